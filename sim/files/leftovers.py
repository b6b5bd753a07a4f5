"""What a killed write leaves beside its folder, and the tidy that puts it back or removes it.

A write of ``NAME`` makes its files in ``.NAME.tmp-XXXXXXXX`` beside it; where the system cannot
exchange two folders in one step, it also moves the previous folder aside to ``.NAME.old-XXXXXXXX``
for a moment. A writer holds a shared lock on the parent folder while any of those exist, so a
tidy that gets the lock exclusively knows that every one it finds was left by a dead process.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no locks, a tidy proceeds as if no one else wrote there
    fcntl = None

#: Names of leftovers: ``.NAME.tmp-`` or ``.NAME.old-`` and 8 characters (earlier versions named theirs so too).
_SUFFIX = r"\.(tmp|old)-[a-z0-9_]{8}"


def leftover(directory: Path, kind: str) -> str:
    """The prefix of the leftovers of ``kind`` ("tmp" or "old") of ``directory``: ``.NAME.tmp-``."""
    return f".{directory.name}.{kind}-"


def leftovers(directory: Path) -> list[Path]:
    """The leftovers of writes of ``directory`` in its parent folder, oldest first."""
    pattern = re.compile(re.escape(f".{directory.name}") + _SUFFIX)
    try:
        found = [p for p in directory.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:  # no parent folder (yet), or one we cannot read: nothing to tidy
        return []
    return sorted(found, key=lambda p: (_mtime(p), p.name))


def _mtime(path: Path) -> float:
    """When ``path`` last changed (0 if it has gone)."""
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


@contextmanager
def locked(parent: Path, exclusive: bool = False) -> Iterator[bool]:
    """Hold a lock on the folder ``parent``: shared (waiting for it) while writing beside it, exclusive (not
    waiting) to tidy. Yields whether it is held; True where there are no locks (Windows, a file system
    without them), as if no one else wrote there."""
    if fcntl is None:
        yield True
        return
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH)
            held = True
        except BlockingIOError:
            held = False
        except OSError:
            held = True
        yield held
    finally:
        os.close(fd)  # releases the lock


def tidy(directory: str | Path) -> list[str]:
    """Put back or remove what killed writes of ``directory`` left beside it; return one line per thing done.

    If ``directory`` is missing and a previous folder was moved aside, it goes back; every other
    leftover is removed. Nothing is done while another mss-sim command writes in the same folder.
    """
    directory = Path(directory)
    if not leftovers(directory):
        return []
    lines = []
    with locked(directory.parent, exclusive=True) as held:
        if not held:
            return []
        found = leftovers(directory)
        aside = [p for p in found if p.name.startswith(leftover(directory, "old"))]
        if aside and not os.path.lexists(directory):
            last = aside[-1]
            previous = last / "previous" if (last / "previous").is_dir() else last  # as earlier versions left it
            try:
                os.rename(previous, directory)
            except OSError as error:
                return [f"{directory} is missing: a killed run moved the previous results aside to {last.name}, "
                        f"which cannot be put back ({error.strerror}); rename it yourself"]
            lines.append(f"{directory} was missing: a killed run had moved the previous results aside to "
                         f"{last.name}; they are back in {directory}")
        for path in found:
            if os.path.lexists(path):
                remove(path)
                if not os.path.lexists(path):
                    lines.append(f"removed {path.parent / path.name}, left beside {directory} by a killed run")
    return lines


def remove(path: Path) -> None:
    """Remove the folder ``path`` and everything in it (a symbolic link: the link only); errors ignored."""
    if os.path.islink(path):
        try:
            os.unlink(path)
        except OSError:
            pass
    else:
        shutil.rmtree(path, ignore_errors=True)
