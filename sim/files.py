"""Writing output folders atomically.

Every command writes its files into a hidden temporary folder beside the target,
then renames it into place. An interrupted run leaves at most a ``.NAME.tmp-*``
folder behind, never a half-written folder that looks complete. A folder we wrote
carries a marker file; a non-empty folder without it is never overwritten unless
``force`` is given.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Callable

from .errors import SimError

MARKER = ".mss-sim-output"


class OutputError(SimError):
    """The output folder cannot be written (exit code 2 in the CLI)."""


def check_target(directory: Path, force: bool = False) -> None:
    """Refuse a target that is a file, or a non-empty folder mss-sim did not write (unless ``force``)."""
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MARKER).exists() and not force:
        raise OutputError(f"{directory} is a non-empty folder that mss-sim did not write; use --force to replace it")


def write_folder(directory: str | Path, writers: dict[str, Callable[[Path], None]], force: bool = False) -> Path:
    """Create ``directory`` holding one file per ``writers`` entry (name -> function writing that path).

    Files are written in order into a temporary folder that replaces ``directory``
    only once all of them are complete.
    """
    directory = Path(directory)
    check_target(directory, force)
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = _new_folder(directory.parent, f".{directory.name}.tmp-")
    try:
        for name, write in writers.items():
            write(temporary / name)
        (temporary / MARKER).write_text("written by mss-sim\n")
        if directory.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old-", dir=directory.parent))
            os.replace(directory, old / "previous")
            os.replace(temporary, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, directory)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return directory


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new empty folder ``parent/prefix<random>`` with the permissions of any folder the user makes.

    (``tempfile.mkdtemp`` would make it private, mode 0700, and the renamed output with it.)
    """
    while True:
        candidate = parent / f"{prefix}{uuid.uuid4().hex[:8]}"
        try:
            candidate.mkdir()  # mode 0777 less the umask
            return candidate
        except FileExistsError:
            continue


def text_writer(text: str) -> Callable[[Path], None]:
    """A writer of ``text`` as UTF-8."""
    return lambda path: path.write_text(text, encoding="utf-8")


def json_writer(data) -> Callable[[Path], None]:
    """A writer of ``data`` as indented JSON (non-ASCII kept as it is)."""
    return text_writer(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
