"""Output folders, written so that a killed run never hides the previous results (docs/design.md section 5).

``folders`` writes a folder (files into a hidden folder beside it, then one rename) and checks a target;
``swap`` has the one-step renames; ``leftovers`` finds what a killed write left and tidies it. A folder
mss-sim wrote carries a marker file; a non-empty folder without it is never replaced unless ``force``.
"""

from .folders import (
    MARKER, InterruptedAfterWriting, OutputError, check_target, json_writer, text_writer, write_folder,
)
from .leftovers import tidy

__all__ = ["MARKER", "InterruptedAfterWriting", "OutputError", "check_target", "json_writer", "text_writer",
           "tidy", "write_folder"]
