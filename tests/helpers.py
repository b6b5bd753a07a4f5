"""Small helpers shared by the tests (functions, not fixtures: those are in conftest.py)."""

from __future__ import annotations

import csv
import re
import struct
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file, read from its IHDR chunk; fails if the file is not a PNG."""
    data = Path(path).read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG file"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13, f"{path} has no IHDR chunk first"
    return struct.unpack(">II", data[16:24])


def half_up(value: float, decimals: int = 0, scale: int = 1) -> str:
    """``value`` times ``scale`` as people read it (docs/design.md section 5): rounded half up to ``decimals``, with
    thousands separators (1266.5 reads 1,267; Python's own formatting would round half to even)."""
    exact = Decimal(repr(float(value))) * scale
    return f"{exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,}"


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def one_error_line(err: str) -> str:
    """The only non-blank line of ``err``; fails if there are more, or a traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def run_sim(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m sim ARGS`` in a real process, as a user runs it from ``cwd``."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def outputs(result) -> tuple[str, str, str | None]:
    """What a run writes, as text: summary.json, strength.csv and funding.csv."""
    return result.summary_json(), result.strength_csv(), result.funding_csv()


def snapshot(folder: Path) -> dict:
    """Every file of ``folder`` by name, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def interrupt_chart_saving(monkeypatch) -> None:
    """Make saving any chart raise KeyboardInterrupt, as if the user pressed Ctrl-C midway through a write.

    Charts are written after the CSV files, so the output folder is half-written at that point.
    ``sim.plots.style.figure_bytes`` is what every chart writer (``Chart.writer``, and ``Chart.svg`` for
    report.html) calls for the bytes of its file, in any format; a chart drawn in another process
    (``sim run``'s) is waited for in ``DrawnChart.bytes``.
    """
    import sim.plots.parallel
    import sim.plots.style

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.plots.style, "figure_bytes", interrupted)
    monkeypatch.setattr(sim.plots.parallel.DrawnChart, "bytes", interrupted)


# --------------------------------------------------------------------------- scenarios

#: A problem as ``sim validate`` prints it: ``FILE:LINE: key.path: message`` or ``FILE: key.path: message``.
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?: (?P<path>[^\n]*?): (?P<message>.+)$")


def contingent(scenario, country):
    return next(c for c in scenario.contingents if c.country == country)


def mandate(scenario, name):
    return next(m for m in scenario.mandates if m.name == name)


def pledge(scenario, donor):
    return next(p for p in scenario.funding.pledges if p.donor == donor)


def expected(days: int, *segments: tuple[int, int, int]):
    """A curve that is `value` on days [first, last) for each (first, last, value)."""
    import numpy as np

    out = np.zeros(days, dtype=np.int64)
    for first, last, value in segments:
        out[first:last] = value
    return out


def curve(sc, series: str = "total", replication: int = 0):
    """Replication ``replication``'s daily strength of ``series`` (``sim.replicate``)."""
    import sim

    return sim.replicate(sc, replication).strength[series]
