"""Writing output folders atomically.

Every command writes its files into a hidden temporary folder beside the target,
then renames it into place. An interrupted run leaves at most a ``.NAME.tmp-*``
folder behind, never a half-written folder that looks complete. A folder we wrote
carries a marker file naming the question it answers and the files written; a non-empty
folder without it, or one that answers another question, is never replaced unless ``force``
is given. Files the tool did not write are kept in the new folder.
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
#: The file formats a chart can be saved in (``--format``).
CHART_FORMATS = ("png", "svg", "pdf")


class OutputError(SimError):
    """The output folder cannot be written (exit code 2 in the CLI)."""


def check_target(directory: Path, force: bool = False, question: str | None = None) -> list[str]:
    """Refuse a target that is a file, a non-empty folder mss-sim did not write, or a folder that answers
    another ``question`` (unless ``force``); return the names of the files in it mss-sim did not write."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a folder")
    if not directory.is_dir() or not any(directory.iterdir()):
        return []
    marker = read_marker(directory)
    if marker is None and not force:
        raise OutputError(f"{directory} is a non-empty folder that mss-sim did not write; use --force to write "
                          "into it (files mss-sim did not write are kept) or choose another folder with -o")
    if marker is not None and question and marker.get("question") and marker["question"] != question and not force:
        raise OutputError(f"{directory} holds the results of another question ({marker['question']}); use --force "
                          "to replace them or choose another folder with -o")
    return foreign_files(directory, marker)


def read_marker(directory: Path) -> dict | None:
    """What the marker of a folder mss-sim wrote says (``question``, ``files``), or None without one."""
    try:
        text = (Path(directory) / MARKER).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    out: dict = {"files": None}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep and key == "question":
            out["question"] = value
        elif sep and key == "file":
            out["files"] = (out["files"] or []) + [value]
    return out


def foreign_files(directory: Path, marker: dict | None) -> list[str]:
    """The entries of ``directory`` that mss-sim did not write (all of them in a folder without a marker;
    none in a folder whose marker does not list its files, as the first versions wrote it)."""
    if marker is not None and marker["files"] is None:
        return []
    ours = set(marker["files"] if marker else []) | {MARKER}
    return sorted(p.name for p in Path(directory).iterdir() if p.name not in ours)


def write_folder(directory: str | Path, writers: dict[str, Callable[[Path], None]], force: bool = False,
                 question: str | None = None) -> Path:
    """Create ``directory`` holding one file per ``writers`` entry (name -> function writing that path).

    Files are written in order into a temporary folder that replaces ``directory``
    only once all of them are complete. Files of ``directory`` that mss-sim did not write are
    kept (linked or copied into the new folder), unless an output of the same name replaces them.
    """
    directory = Path(directory)
    kept = [name for name in check_target(directory, force, question) if name not in writers]
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = _new_folder(directory.parent, f".{directory.name}.tmp-")
    try:
        for name, write in writers.items():
            write(temporary / name)
        lines = ["written by mss-sim"] + ([f"question: {question}"] if question else [])
        (temporary / MARKER).write_text("\n".join(lines + [f"file: {name}" for name in writers]) + "\n")
        for name in kept:  # the user's files stay where they were, in the new folder
            _keep(directory / name, temporary / name)
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


def _keep(source: Path, target: Path) -> None:
    """``source`` (a file or a folder) at ``target`` too: hard links where possible, else copies."""
    def link(src: str, dst: str) -> None:
        """A hard link of ``src`` at ``dst``, or a copy where links are not possible."""
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=link)
    elif source.is_symlink():
        os.symlink(os.readlink(source), target)
    else:
        link(str(source), str(target))


def text_writer(text: str) -> Callable[[Path], None]:
    """A writer of ``text`` as UTF-8."""
    return lambda path: path.write_text(text, encoding="utf-8")


def json_writer(data) -> Callable[[Path], None]:
    """A writer of ``data`` as indented JSON (non-ASCII kept as it is)."""
    return text_writer(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
