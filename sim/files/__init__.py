"""Output folders, written so that a killed run never hides the previous results (docs/design.md section 5).

``folders`` writes a folder (files into a hidden folder beside it, then one rename) and checks a target;
``swap`` has the one-step renames; ``leftovers`` finds what a killed write left and tidies it. A folder
mss-sim wrote carries a marker (``marker``: the question it answers, the files written); a non-empty folder without
one, or one answering another question, is never replaced unless ``force``, and the user's files in it are kept.
"""

from .folders import (
    CHART_FORMATS, InterruptedAfterWriting, OutputError, check_target, json_writer, text_writer, write_folder,
)
from .leftovers import tidy
from .marker import MARKER, read_marker

__all__ = ["CHART_FORMATS", "MARKER", "InterruptedAfterWriting", "OutputError", "check_target", "json_writer",
           "read_marker", "text_writer", "tidy", "write_folder"]
