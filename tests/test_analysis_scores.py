"""Scores of approximate figures and bounds (sim.analysis.scores, issue #13): known answers and properties."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.backtests import BACKTEST_COLUMNS, FIGURE_COLUMNS
from sim.analysis.scores import (
    crps,
    crps_at_least,
    crps_at_most,
    crps_uniform,
    figure_crps,
    midrank_percentile,
    set_percentile,
)
from sim.cli import main

from helpers import read_csv

# ---------------------------------------------------------------- known answers, by hand


def test_every_kind_against_a_certain_projection(det100, tmp_path):
    """Every replication of det100 has 100 officers of A from 1 Feb 2024, arrived that day; X = 100 for sure.

    exact 100: CRPS 0. at_least 90 or at_most 130: the truth may be 100, CRPS 0, percentile 50 (the
    middle of [P(X < 90), 1] and of [0, P(X <= 130)]). at_least 130: ∫ F² below 130 = the 30 units
    from 100 to 130 where F = 1; percentile 100 (all of X lies below the set). at_most 70: ∫ (1 - F)²
    above 70 = 30; percentile 0. approx 100 ±10%: the truth uniform on [90, 110], E|100 - Y| = 5.
    approx 120 ±10%: uniform on [108, 132], E|Y - 100| = 20; error from the median to 108: +8.
    """
    observed = tmp_path / "obs.csv"
    observed.write_text(textwrap.dedent("""\
        date,series,value,source,kind,relative_error
        2024-03-01,total,100,exact,,
        2024-03-01,total,90,least below,at_least,
        2024-03-01,total,130,least above,at_least,
        2024-03-01,A,130,most above,at_most,
        2024-03-01,A,70,most below,at_most,
        2024-03-01,total,100,approx around,approx,10%
        2024-03-01,total,120,approx above,approx,0.1
        2024-03-01,arrived:A,100,arrived,,
        2024-03-01,arrived,100,arrived total,at_least,
    """), encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(det100), "--observed", str(observed), "-n", "64", "-o", str(out), "-q"]) == 0
    rows = read_csv(out / "backtest.csv")
    assert list(rows[0]) == list(BACKTEST_COLUMNS + FIGURE_COLUMNS)  # the new columns come last

    def column(name):
        return [r[name] for r in rows]

    assert [float(x) for x in column("crps")] == [0, 0, 30, 0, 30, 5, 20, 0, 0]
    assert [float(x) for x in column("percentile")] == [50, 50, 100, 50, 0, 50, 100, 50, 50]
    assert [float(x) for x in column("error")] == [0, 0, 30, 0, -30, 0, 8, 0, 0]
    assert column("in_50") == ["true", "true", "false", "true", "false", "true", "false", "true", "true"]
    assert column("kind") == ["exact", "at_least", "at_least", "at_most", "at_most", "approx", "approx", "exact",
                              "at_least"]
    assert column("relative_error") == ["", "", "", "", "", "0.1", "0.1", "", ""]
    assert column("low") == ["100", "90", "130", "", "", "90", "108", "100", "100"]
    assert column("high") == ["100", "", "", "130", "70", "110", "132", "100", ""]
    assert [float(x) for x in column("p_allowed")] == [1, 1, 0, 1, 0, 1, 0, 1, 1]
    assert column("series")[-2:] == ["arrived:A", "arrived:total"]
    report = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert report["scores"] == {"coverage_50": round(6 / 9, 4), "coverage_90": round(6 / 9, 4),
                                "mae_median": round(68 / 9, 4), "crps_mean": round(85 / 9, 4)}
    assert "warnings" not in report


def test_exact_figures_keep_the_first_format(det100, tmp_path):
    """A file without kinds or arrivals writes the columns and keys of before issue #13, and nothing more."""
    observed = tmp_path / "obs.csv"
    observed.write_text("date,series,value,kind,relative_error\n2024-03-01,total,100,,\n2024-03-01,A,70,exact,\n",
                        encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(det100), "--observed", str(observed), "-n", "64", "-o", str(out), "-q"]) == 0
    assert list(read_csv(out / "backtest.csv")[0]) == list(BACKTEST_COLUMNS)
    report = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert all(list(r) == list(BACKTEST_COLUMNS) for r in report["rows"])


def test_scores_of_a_two_point_projection_by_hand():
    """X is 0 or 10, one half each: F = 1/2 on [0, 10), 1 from 10."""
    counts = np.zeros(11, dtype=np.int64)
    counts[0] = counts[10] = 5
    assert crps_at_least(counts, 4) == pytest.approx(4 * 0.25)  # ∫_0^4 (1/2)²
    assert crps_at_least(counts, 12) == pytest.approx(10 * 0.25 + 2)  # and F = 1 from 10 to 12
    assert crps_at_most(counts, 4) == pytest.approx(6 * 0.25)  # ∫_4^10 (1 - 1/2)²
    assert crps_at_most(counts, -3) == pytest.approx(3 + 10 * 0.25)  # F = 0 from -3 to 0
    assert set_percentile(counts, 4, math.inf) == 75  # P(X < 4) = 1/2, P(X >= 4) = 1/2
    assert set_percentile(counts, -math.inf, 4) == 25
    assert set_percentile(counts, 0, 10) == 50
    # uniform on [0, 10]: E|X - Y| - E|X - X'| / 2 = (5 + 5) / 2 - 2.5
    assert crps_uniform(counts, 0, 10) == pytest.approx(2.5)


# ---------------------------------------------------------------- properties

counts_lists = st.lists(st.integers(0, 6), min_size=1, max_size=25).filter(lambda c: sum(c) > 0)


@settings(max_examples=200, deadline=None)
@given(counts_lists, st.integers(-5, 35))
def test_bounds_split_the_exact_crps(counts, x):
    counts = np.array(counts, dtype=np.int64)
    exact = crps(counts, x)
    least, most = crps_at_least(counts, x), crps_at_most(counts, x)
    assert 0 <= least <= exact + 1e-12 and 0 <= most <= exact + 1e-12  # a bound never scores worse than the value
    assert least + most == pytest.approx(exact, abs=1e-9)
    support = np.flatnonzero(counts)
    if support.min() >= x:
        assert least == 0  # every draw at least x
    if support.max() <= x:
        assert most == 0
    if x >= 0:  # the projection cut at x, scored as an exact figure x
        values = np.repeat(np.arange(counts.size), counts)
        assert least == pytest.approx(crps(np.bincount(np.minimum(values, x)), x), abs=1e-9)  # draws above x as x
        assert most == pytest.approx(crps(np.bincount(np.maximum(values, x)), x), abs=1e-9)  # draws below x as x


@settings(max_examples=200, deadline=None)
@given(counts_lists, st.floats(-5, 30, allow_nan=False), st.floats(0.01, 20, allow_nan=False))
def test_approx_is_the_mean_exact_crps_over_the_interval(counts, low, width):
    """CRPS(F, y) is piecewise linear in y, bending at the integers: the trapezoid rule on them is exact."""
    counts = np.array(counts, dtype=np.int64)
    high = low + width
    ys = np.unique(np.concatenate([[low, high], np.arange(math.ceil(low), math.floor(high) + 1)]))
    values = np.array([crps(counts, y) for y in ys])
    mean = float(np.sum((values[1:] + values[:-1]) / 2 * np.diff(ys))) / width
    assert crps_uniform(counts, low, high) == pytest.approx(mean, rel=1e-9, abs=1e-9)
    assert crps_uniform(counts, low, high) >= width / 6 - 1e-12  # the truth's own spread


@settings(max_examples=100, deadline=None)
@given(counts_lists, st.integers(0, 30))
def test_a_tiny_relative_error_scores_as_exact(counts, v):
    counts = np.array(counts, dtype=np.int64)
    assert figure_crps(counts, "approx", v, 1e-9) == pytest.approx(crps(counts, v), abs=1e-6)
    assert figure_crps(counts, "approx", 0, 0.5) == crps(counts, 0)  # nothing to spread: exact
    assert set_percentile(counts, v, v) == pytest.approx(midrank_percentile(counts, v))


def test_far_figures_are_scored_exactly():
    """X is 0, 1 or 2 with weights 1, 2, 3: F = 1/6, 1/2, 1; E X = 4/3, E|X - X'| = 7/9."""
    counts = np.array([1, 2, 3], dtype=np.int64)
    assert crps_at_least(counts, 1e12) == pytest.approx(1 / 36 + 1 / 4 + 1 + (1e12 - 3), rel=1e-12)
    assert crps_uniform(counts, 1e12, 2e12) == pytest.approx(1.5e12 - 4 / 3 - 7 / 18, rel=1e-12)
    assert crps_uniform(counts, -2e12, -1e12) == pytest.approx(1.5e12 + 4 / 3 - 7 / 18, rel=1e-12)
