"""Charts drawn in other processes, no charts at all, and the explorer's chart redrawn in place (issue #12).

The charts of ``sim run`` are drawn by processes started before the replications run; their files
are the bytes the same charts drawn in this process have. ``--format none`` draws nothing and
does not import matplotlib. The explorer's fan, updated for another run, is the fan drawn anew.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

import sim
from sim.errors import InputError
from sim.plots.parallel import Drawers

from conftest import BASELINE, ROOT, SCENARIOS
from helpers import snapshot


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.load(BASELINE), replications=128, seed=5, workers=1, keep_replications=True)


def test_charts_drawn_elsewhere_are_the_charts_drawn_here(result, tmp_path):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    result.save(here, formats=("png", "svg"))
    with Drawers(2) as drawers:
        result.save(elsewhere, formats=("png", "svg"), drawers=drawers)
    files = snapshot(elsewhere)
    assert files == snapshot(here)
    assert {"strength.png", "strength.svg", "funding.png", "funding.svg", "replications.npz"} <= set(files)
    assert files["report.html"].count(b"<svg") == 2


def test_sim_run_draws_its_charts_elsewhere_or_here_and_the_files_are_the_same(tmp_path, monkeypatch):
    import sim.cli.commands
    from sim.cli import main
    from sim.processes import CHARTS_WHERE

    started = []
    monkeypatch.setattr(sim.cli.commands, "Drawers", lambda n: started.append(n) or Drawers(n))
    folders = {}
    for where in ("elsewhere", "here"):
        monkeypatch.setenv(CHARTS_WHERE, where)
        folders[where] = tmp_path / where
        assert main(["run", str(BASELINE), "-n", "64", "--seed", "3", "-q", "-o", str(folders[where])]) == 0
    assert started == [min(2, os.cpu_count())]  # once, elsewhere: one process per chart, one per core at most
    assert snapshot(folders["elsewhere"]) == snapshot(folders["here"])


def test_a_chart_that_cannot_be_drawn_elsewhere_fails_where_it_is_asked_for(det100):
    no_funding = sim.run(sim.load(det100), replications=64, seed=1, workers=1)
    with Drawers(1) as drawers:
        chart = drawers.chart("funding_chart", no_funding, ("png",))
        with pytest.raises(InputError, match="no \\[funding\\] table"):
            chart.svg()
        assert drawers.chart("strength_chart", no_funding, ("png",)).bytes("png").startswith(b"\x89PNG")


def test_stopping_at_once_does_not_wait_for_a_chart_being_sent():
    """Ctrl-C while large charts' data is still being sent (the pipe full, the process busy getting ready):
    ``close(terminate=True)`` returns at once, and every chart says it was not drawn, instead of hanging
    (``multiprocessing.Pool.terminate()``, which the drawers used to be, could wait forever here)."""
    import time

    drawers = Drawers(1)
    charts = [drawers.chart("strength_chart", b"x" * 20_000_000, ("png",)) for _ in range(3)]
    began = time.perf_counter()
    drawers.close(terminate=True)
    assert time.perf_counter() - began < 60
    for chart in charts:
        with pytest.raises(Exception):  # noqa: B017 - a broken pipe, or the process that ended
            chart.bytes("png")


def test_format_none_draws_no_chart_and_never_imports_matplotlib(tmp_path):
    out = tmp_path / "out"
    code = ("import sys; from sim.cli import main; "
            f"code = main(['run', {str(BASELINE)!r}, '-n', '64', '--format', 'none', '-q', '-o', {str(out)!r}]); "
            "print(code, 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout.split() == ["0", "False"], done.stderr
    files = {p.name for p in out.iterdir()}
    assert files == {"summary.json", "strength.csv", "strength_wide.csv", "funding.csv", "sources.csv", "report.html",
                     ".mss-sim-output"}
    page = (out / "report.html").read_text()
    assert "<svg" not in page and "No chart was drawn" in page
    assert json.loads((out / "summary.json").read_text())["replications"] == 64


@pytest.mark.parametrize("command", [
    ["compare", str(BASELINE), str(SCENARIOS / "kenya_only.toml")],
    ["sweep", str(BASELINE), "--set", "assumptions.fulfilment=0.5,1.0"],
    ["backtest", str(BASELINE), "--observed", str(ROOT / "seeds" / "observed.csv")],
])
def test_format_none_draws_no_chart_for_the_other_commands_either(command, tmp_path):
    from sim.cli import main

    out = tmp_path / "out"
    assert main(command + ["-n", "64", "--workers", "1", "--format", "none", "-q", "-o", str(out)]) == 0
    assert not [p for p in out.iterdir() if p.suffix in (".png", ".svg", ".pdf")]
    page = (out / "report.html").read_text()
    assert "<svg" not in page and "No chart was drawn" in page


def test_format_none_cannot_be_mixed_with_a_format(tmp_path, capsys):
    from sim.cli import main

    assert main(["run", str(BASELINE), "-n", "64", "--format", "none,png", "-o", str(tmp_path / "x")]) == 2
    assert "none (no chart)" in capsys.readouterr().err


def test_the_explorer_fan_redrawn_in_place_is_the_fan_drawn_anew():
    from sim.plots.live import LiveFan

    sc = sim.load(BASELINE)
    first = sim.run(sc, replications=64, seed=2, workers=1)
    variant = sc.with_overrides({"assumptions.fulfilment": 0.4})
    second = sim.run(variant, replications=64, seed=2, workers=1)
    live = LiveFan(first)
    live.update(second)

    def png(figure) -> bytes:
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=figure.dpi)
        return out.getvalue()

    assert png(live.figure) == png(LiveFan(second).figure)
    assert png(live.figure) != png(LiveFan(first).figure)
    texts = " ".join(t.get_text() for t in live.figure.texts)
    assert "assumptions.fulfilment" in texts  # the subtitle names the value changed


@pytest.mark.parametrize("argv, likely", [
    (["run"], True),  # the scenario's own count: the baseline's 1,000
    (["run", "-n", "1000"], True),
    (["run", "-n1000", "--format=none"], True),
    (["run", "--replications=513"], True),
    (["run", "-n", "512"], False),  # one chunk: run in this process
    (["run", "-n", "10"], False),
    (["run", "-n", "1000", "--workers", "1"], False),
    (["run", "--workers=1"], False),
    (["run", "-n", "1000", "--backend", "dask"], False),
    (["run", "-n", "ten"], False),  # the parser says what is wrong
])
def test_sim_run_starts_the_fork_server_early_only_when_it_will_likely_start_workers(argv, likely, monkeypatch):
    from sim import processes
    from sim.runner.chunks import CHUNK

    assert processes.POOL_ABOVE == CHUNK
    monkeypatch.setattr(processes.os, "cpu_count", lambda: 2)
    assert processes._pool_likely(argv) is likely
    monkeypatch.setattr(processes.os, "cpu_count", lambda: 1)
    assert processes._pool_likely(argv) is False


@pytest.mark.parametrize("argv, cores, where, elsewhere", [
    (["run"], 2, "", True),  # two cores, however busy: measured faster than drawing here (benchmarks/RESULTS.md)
    (["run"], 1, "", False),
    (["run", "--format", "none"], 2, "elsewhere", False),  # no chart to draw
    (["run", "--format=svg"], 2, "here", False),
    (["run"], 1, "elsewhere", True),
])
def test_sim_run_draws_its_charts_elsewhere_with_two_cores_unless_told(argv, cores, where, elsewhere, monkeypatch):
    from sim import processes

    monkeypatch.setattr(processes.os, "cpu_count", lambda: cores)
    monkeypatch.setenv(processes.CHARTS_WHERE, where)
    assert processes._charts_drawn_elsewhere(argv) is elsewhere
