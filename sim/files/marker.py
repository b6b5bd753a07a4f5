"""The marker of a folder mss-sim wrote: the question it answers and the files it wrote; the user's files kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MARKER = ".mss-sim-output"


def marker_text(question: str | None, names: list[str]) -> str:
    """The marker's content: a first line, the question (if any), then one ``file:`` line per file written."""
    lines = ["written by mss-sim"] + ([f"question: {question}"] if question else [])
    return "\n".join(lines + [f"file: {name}" for name in names]) + "\n"


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


def keep(source: Path, target: Path) -> None:
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
