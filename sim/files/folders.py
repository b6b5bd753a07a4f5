"""Writing an output folder so that, whenever the process dies, its name holds the complete previous
output or the complete new one (docs/design.md section 5, "Writing").

The files are written into ``.NAME.tmp-XXXXXXXX`` beside the target, the marker last; that folder
then takes the name in one step, exchanged with the previous folder, which is removed afterwards.
What a killed write leaves is tidied by the next (:mod:`sim.files.leftovers`).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path
from typing import Callable

from ..errors import SimError, WriteFailure
from .leftovers import leftover, locked, remove, tidy
from .marker import MARKER, foreign_files, keep, marker_text, read_marker
from .swap import EXCHANGE, NOREPLACE, rename

#: The file formats a chart can be saved in (``--format``).
CHART_FORMATS = ("png", "svg", "pdf")
#: The test seam: with these set, the writer creates the file at the step named and waits while it exists.
PAUSE_AT, PAUSE_FILE = "MSS_SIM_PAUSE_AT", "MSS_SIM_PAUSE_FILE"


class OutputError(SimError):
    """The output folder cannot be written (exit code 2 in the CLI)."""


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C after the new folder took its name: ``directory`` holds the complete new output."""

    def __init__(self, directory: Path):
        super().__init__(str(directory))
        self.directory = directory


def check_target(directory: str | Path, force: bool = False, question: str | None = None) -> list[str]:
    """Refuse (OutputError) a target that is a file, a non-empty folder mss-sim did not write or one that answers
    another ``question`` (unless ``force``), or a place under a file or where the user cannot write; return the
    names of the files in it that mss-sim did not write (they are kept)."""
    directory = Path(directory)
    if directory.name in ("", ".."):
        raise OutputError(f"cannot write to {str(directory)!r}: give the output folder a name")
    foreign: list[str] = []
    try:
        if directory.exists() and not directory.is_dir():
            raise OutputError(f"cannot write to {directory}: it exists and is not a folder")
        if directory.is_dir() and any(directory.iterdir()):
            marker = read_marker(directory)
            if marker is None and not force:
                raise OutputError(f"{directory} is a non-empty folder that mss-sim did not write; use --force to write "
                                  "into it (files mss-sim did not write are kept) or choose another folder with -o")
            asked = (marker or {}).get("question")
            if question and asked and asked != question and not force:
                raise OutputError(f"{directory} holds the results of another question ({asked}); use --force "
                                  "to replace them or choose another folder with -o")
            foreign = foreign_files(directory, marker)
        place = directory.parent
        while not place.exists() and place != place.parent:
            place = place.parent
    except PermissionError:
        raise OutputError(f"cannot write to {directory}: permission denied") from None
    if place.exists() and not place.is_dir():
        raise OutputError(f"cannot write to {directory}: {place} is not a folder")
    if not os.access(place, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids):
        read_only = hasattr(os, "statvfs") and os.statvfs(place).f_flag & os.ST_RDONLY
        raise OutputError(f"cannot write to {directory}: {'read-only file system' if read_only else 'permission denied'}"
                          f" ({place} is not writable)")
    return foreign


def write_folder(directory: str | Path, writers: dict[str, Callable[[Path], None]], force: bool = False,
                 question: str | None = None) -> Path:
    """Create ``directory`` holding one file per ``writers`` entry (name -> function writing that path), and the
    files of the previous folder that mss-sim did not write (unless an output of the same name replaces them).

    Whenever the process dies, ``directory`` holds its complete previous content or the complete new
    one. A full disk raises :class:`~sim.errors.WriteFailure` (nothing written); a place that cannot be
    written, :class:`OutputError`; Ctrl-C once the new folder is in place, :class:`InterruptedAfterWriting`.
    """
    directory = Path(directory)
    for line in tidy(directory):
        warnings.warn(line, stacklevel=2)
    kept = [name for name in check_target(directory, force, question) if name not in writers]
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_error(error, directory) from None
    with locked(directory.parent):  # leftovers exist only while this lock is held
        before = identity(directory)
        try:
            temporary = _new_folder(directory.parent, leftover(directory, "tmp"))
        except OSError as error:
            raise write_error(error, directory) from None
        try:
            pause("created")
            for name, write in writers.items():
                pause(f"write {name}")
                write(temporary / name)
            pause(f"write {MARKER}")
            (temporary / MARKER).write_text(marker_text(question, list(writers)))
            for name in kept:  # the user's files stay where they were, in the new folder
                keep(directory / name, temporary / name)
            pause("swap")
            previous = put_in_place(temporary, directory, before)
        except BaseException as error:
            shutil.rmtree(temporary, ignore_errors=True)
            if isinstance(error, OSError) and not isinstance(error, WriteFailure):
                raise write_error(error, directory) from None
            raise
        try:
            pause("swapped")
        except KeyboardInterrupt:
            raise InterruptedAfterWriting(directory) from None
        finally:
            if previous is not None:
                remove(previous)
    return directory


def put_in_place(new: Path, directory: Path, before: tuple | None) -> Path | None:
    """Give the folder ``new`` the name ``directory`` in one step; return where the folder it replaced now is.

    ``before`` is what ``directory`` was when the write began (:func:`identity`); if another run put
    something else there since, that stays and :class:`~sim.errors.WriteFailure` says so.
    """
    try:
        if before is None:
            if not rename(new, directory, NOREPLACE):
                os.rename(new, directory)  # refuses a non-empty folder
            return None
        if rename(new, directory, EXCHANGE):
            if identity(new) != before:  # not the folder we meant to replace: give it its name back
                rename(new, directory, EXCHANGE)
                raise FileExistsError(errno.EEXIST, "replaced meanwhile")
            return new
        return _two_renames(new, directory, before)
    except FileNotFoundError:
        if before is None:
            raise
        return put_in_place(new, directory, None)  # the previous folder was removed meanwhile
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise WriteFailure(f"another run wrote {directory} while this one was writing it; {directory} holds "
                               f"that run's results, and this run wrote nothing") from None
        raise


def _two_renames(new: Path, directory: Path, before: tuple) -> Path:
    """Where folders cannot be exchanged: move the previous folder aside, then ``new`` in (undone if stopped
    between the two; if killed there, the next write puts the previous folder back). Return the aside."""
    while True:
        aside = directory.parent / f"{leftover(directory, 'old')}{uuid.uuid4().hex[:8]}"
        if not os.path.lexists(aside):
            break
    os.rename(directory, aside)
    try:
        pause("aside")
        if identity(aside) != before:
            raise FileExistsError(errno.EEXIST, "replaced meanwhile")
        os.rename(new, directory)
    except BaseException:
        os.rename(aside, directory)
        raise
    return aside


def identity(path: Path) -> tuple | None:
    """(device, inode) of what ``path`` names, or None if nothing: tells one folder from another by that name."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_dev, st.st_ino


def write_error(error: OSError, directory: Path) -> Exception:
    """What to raise for ``error`` met while writing ``directory``: bad input (OutputError), or a WriteFailure."""
    code = error.errno
    if code == errno.ENOSPC:
        return WriteFailure(f"no space left on device while writing {directory}; nothing was written")
    reason = {errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system",
              errno.ENOTDIR: "a folder on its path is a file", errno.EEXIST: "a folder on its path is a file",
              errno.ENAMETOOLONG: "a name on its path is too long"}.get(code)
    if reason:
        return OutputError(f"cannot write to {directory}: {reason}")
    return WriteFailure(f"cannot write {directory}: {error.strerror or error}; nothing was written")


def pause(step: str) -> None:
    """The test seam: if MSS_SIM_PAUSE_AT is ``step``, create the file MSS_SIM_PAUSE_FILE names and wait while it
    exists, so that a test can kill the writer exactly here (or let it go on by deleting the file)."""
    if os.environ.get(PAUSE_AT) != step:
        return
    flag = Path(os.environ[PAUSE_FILE])
    flag.touch()
    while flag.exists():
        time.sleep(0.01)


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
