"""Comparing scenarios (sim.analysis.comparison, ``sim compare``): common random numbers, the table and the files."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np

import sim
from sim.analysis.comparison import compare_rows
from sim.cli import main

from conftest import BASELINE
from helpers import png_size, read_csv


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(BASELINE), str(BASELINE), "-n", "64", "--workers", "1", "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Baseline" in stdout and "P(reach authorized)" in stdout  # the fixed-width table
    rows = read_csv(out / "compare.csv")
    assert len(rows) == 2
    columns = list(rows[0])
    assert columns[:5] == ["scenario", "file", "hash", "replications", "seed"]
    statistics = columns[5:]
    # at end and at both mandate deadlines; funding columns since baseline has [funding]
    for name in ("total_p50_end", "total_p5_end", "total_p95_end", "total_p50_2024-10-02", "total_p95_2025-10-02",
                 "p_reach_authorized_end", "p_reach_authorized_2025-10-02", "median_first_day_authorized",
                 "p_reach_target", "p_lapse", "p_deficit", "median_minimum_balance_usd"):
        assert name in statistics
    assert all(rows[0][c] == rows[1][c] for c in statistics)
    assert rows[0]["seed"] == "20240625" and rows[0]["replications"] == "64"  # the first scenario's seed
    assert float(rows[0]["total_p50_end"]) > 0
    assert png_size(out / "compare.png") == (1200, 700)


def test_compare_uses_common_random_numbers(tmp_path):
    """A variant that changes one contingent leaves the other draws alone: identical before it arrives."""
    base = sim.load(BASELINE)
    variant = base.with_overrides({"contingent.Benin.fulfilment": 0.2, "scenario.name": "Variant"})
    a, b = sim.compare([base, variant], replications=64)
    assert a.seed == b.seed == base.seed and a.replications == b.replications == 64
    before = base.day(dt.date(2025, 1, 1))  # Benin's first batch is planned for February 2025
    assert np.array_equal(a.quantiles("total")["p50"][:before], b.quantiles("total")["p50"][:before])
    rows = compare_rows([a, b])
    assert rows[0]["p_lapse"] == rows[1]["p_lapse"]  # the same renewal draws
    assert rows[1]["total_p50_end"] < rows[0]["total_p50_end"]


def test_compare_json_is_the_only_thing_on_stdout(det, det100, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(det), str(det100), "-n", "16", "-o", str(out), "--json", "--format", "png,svg"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert "compare:" in captured.err  # progress goes to stderr
    assert summary == json.loads((out / "compare.json").read_text())
    assert [r["scenario"] for r in summary["scenarios"]] == ["Deterministic", "Deterministic"]
    assert summary["seed"] == 3 and summary["replications"] == 16
    first, second = summary["scenarios"]
    assert first["p_reach_authorized_end"] == 1.0 and first["total_p50_end"] == 60
    assert second["total_p50_end"] == 100 and second["median_first_day_authorized"] == "2024-02-01"
    assert "p_deficit" not in first  # no funding anywhere: no funding columns
    assert (out / "compare.svg").read_text().lstrip().startswith("<?xml")


def test_compare_in_a_real_subprocess(det, tmp_path):
    out = tmp_path / "sub"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "compare", str(det), str(det), "-n", "64", "--workers", "2", "-o", str(out),
         "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    a, b = summary["scenarios"]
    assert {k: v for k, v in a.items()} == {k: v for k, v in b.items()}
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [".mss-sim-output", "compare.csv", "compare.json", "compare.png",
                                                 "compare_wide.csv", "report.html", "sources.csv"]
