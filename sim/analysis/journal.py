"""The journals of sweeps, designs and calibrations: finished points (a sweep's or a design's points, a fit's
generations) appended as JSON lines, so that an interrupted command goes on where it stopped."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError, WriteFailure
from ..version import __version__

if TYPE_CHECKING:
    from ..scenario import Scenario


def journal_key(variant: Scenario, seed: int, replications: int) -> str:
    """What a sweep point's statistics depend on: the resolved scenario, seed, replications, version."""
    return f"{variant.hash}:{seed}:{replications}:{__version__}"


def open_journal(out: Path, resume: bool) -> tuple[Path, int]:
    """The journal beside the output folder ``out`` (``OUT.journal.jsonl``) and how many entries it holds: kept
    with ``resume``, else removed (0)."""
    path = out.with_name(out.name + ".journal.jsonl")
    if resume:
        return path, len(read_journal(path))
    if path.is_dir():
        raise _not_a_journal(path, "a folder")
    path.unlink(missing_ok=True)
    return path, 0


def _not_a_journal(path: Path, what: str) -> InputError:
    """The error for a journal's path that holds something else (``what``)."""
    return InputError(f"{path}: {what}, where mss-sim keeps the finished points of this command for --resume; "
                      "move it away")


def read_journal(path: str | Path) -> dict[str, dict]:
    """The points recorded in a journal, by key: ``{"stats": ..., "curve": ... or None}``; a missing
    file is empty.

    A line that does not parse (the last one, if the process was killed while writing it)
    is ignored: that point runs again.
    """
    done: dict[str, dict] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return done
    except (UnicodeDecodeError, IsADirectoryError) as error:
        what = "a folder" if isinstance(error, IsADirectoryError) else "not a journal (not UTF-8 text)"
        raise _not_a_journal(Path(path), what) from None
    for line in lines:
        try:
            entry = json.loads(line)
            done[entry["key"]] = {"stats": dict(entry["stats"]), "curve": entry.get("curve")}
        except (ValueError, KeyError, TypeError):
            continue
    return done


def append_journal(path: str | Path, key: str, stats: dict, curve: dict | None = None) -> None:
    """Append one finished point (its statistics, and its curve if given), written and flushed to disk at once
    (its folder made if missing). A full disk raises :class:`~sim.errors.WriteFailure`; the points already
    there stay readable."""
    append_entries(path, [(key, stats, curve)])


def append_entries(path: str | Path, entries: list[tuple[str, dict, dict | None]]) -> None:
    """Append finished points ``(key, stats, curve or None)`` in one write, flushed to disk at once (its folder
    made if missing); a full disk raises :class:`~sim.errors.WriteFailure`, the points already there readable."""
    path = Path(path)
    lines = "".join(
        json.dumps({"key": key, "stats": stats, **({"curve": curve} if curve is not None else {})},
                   ensure_ascii=False) + "\n"
        for key, stats, curve in entries)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:  # one write per batch of points, flushed to disk at once
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
    except IsADirectoryError:
        raise _not_a_journal(path, "a folder") from None
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        raise WriteFailure(f"no space left on device while writing the journal {path}") from None
