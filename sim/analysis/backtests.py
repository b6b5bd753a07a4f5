"""Backtests: how the projected distribution scored against what was reported (percentiles, bands, CRPS)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

import numpy as np

from ..files import text_writer, write_folder
from ..results.exports import article_files, sources_csv
from ..text import clip, count_text, json_text, percent_text, plural, rows_csv, table
from .observations import check_observations
from .pages import backtest_page


def midrank_percentile(counts: np.ndarray, value: float) -> float:
    """``100 * (P(X < v) + P(X = v) / 2)`` for ``X`` with ``counts[k]`` replications at strength ``k``."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        raise ValueError("empty distribution")
    cut = min(max(math.ceil(value), 0), counts.size)
    below = int(counts[:cut].sum())
    equal = int(counts[int(value)]) if float(value).is_integer() and 0 <= value < counts.size else 0
    return 100.0 * (below + equal / 2) / n


def crps(counts: np.ndarray, y: float) -> float:
    """Continuous ranked probability score of observation ``y`` for the integer-valued ``X`` of ``counts``.

    CRPS = ∫ (F(x) − 1[x ≥ y])² dx. For integer ``X``, ``F`` is constant on each [v, v + 1), equal
    to F(v), so for an integer ``y`` the integral is the sum over integers v of
    (F(v) − 1[v ≥ y])². For a non-integer ``y`` the unit interval [⌊y⌋, ⌊y⌋ + 1) that contains it
    splits into (y − ⌊y⌋)·F(⌊y⌋)² + (⌊y⌋ + 1 − y)·(F(⌊y⌋) − 1)². Outside the span of the support
    and ``y`` the integrand is 0. Equals E|X − y| − ½ E|X − X'| for the empirical distribution.
    Between the support and a ``y`` outside it the integrand is 1: that stretch is added as its
    length, so the work and memory depend on the support only, however far ``y`` lies.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum()
    if n <= 0:
        raise ValueError("empty distribution")
    top = counts.size - 1
    v = np.arange(0, top + 1)
    F = np.cumsum(counts) / n
    # fraction of [v, v + 1) lying at or after y
    after = np.clip(v + 1 - y, 0.0, 1.0)
    score = float(np.sum((1 - after) * F**2 + after * (F - 1) ** 2))
    if y < 0:  # below 0, F = 0 and x >= y on [y, 0)
        score += -y
    elif y > top + 1:  # from top + 1 on, F = 1 and x < y on [top + 1, y)
        score += y - (top + 1)
    return score


def backtest(result, observations: Sequence) -> dict:
    """Score ``result``'s projections against observed figures ``(date, series, value, source)``.

    Returns ``{"scenario", "scenario_hash", "seed", "replications", "version", "observations",
    "scores": {"coverage_50", "coverage_90", "mae_median", "crps_mean"}, "rows": [...]}``.
    Each row: date, series, value, source, percentile (mid-rank), in_50, in_90, median, error
    (value − median), p5, p25, p75, p95, mean, crps. Raises :class:`ObservationError` for an
    observation outside the run or of an unknown series.
    """
    sc = result.scenario
    observations = list(observations)
    check_observations(sc, observations)
    rows, scores, errors = [], [], []
    observed: dict[str, list[int]] = {}  # the days each series is observed on: their distributions are summed at once
    for obs in observations:
        observed.setdefault(obs[1], []).append(sc.day(obs[0].date() if isinstance(obs[0], dt.datetime) else obs[0]))
    distributions = {series: result.distributions(series, days) for series, days in observed.items()}
    for obs in observations:
        date, series, value = obs[0], obs[1], obs[2]
        source = obs[3] if len(obs) > 3 else ""
        date = date.date() if isinstance(date, dt.datetime) else date
        day = sc.day(date)
        counts = distributions[series][day]
        q = {k: float(v[day]) for k, v in result.quantiles(series).items()}
        median = q["p50"]
        score = crps(counts, value)
        scores.append(score)
        errors.append(abs(value - median))
        rows.append({
            "date": date.isoformat(), "series": series, "value": value, "source": source,
            "percentile": round(midrank_percentile(counts, value), 3),
            "in_50": bool(q["p25"] <= value <= q["p75"]),
            "in_90": bool(q["p5"] <= value <= q["p95"]),
            "median": round(median, 3),
            "error": round(value - median, 3),
            "p5": round(q["p5"], 3), "p25": round(q["p25"], 3), "p75": round(q["p75"], 3), "p95": round(q["p95"], 3),
            "mean": round(float(result.mean(series)[day]), 3),
            "crps": round(score, 3),
        })
    count = len(rows)

    def mean(values):  # over the exact values, rounded once
        """The mean of ``values``, rounded to 4 decimals; None when there are no observations."""
        return round(float(np.mean(values)), 4) if count else None

    overall = {
        "coverage_50": mean([r["in_50"] for r in rows]),
        "coverage_90": mean([r["in_90"] for r in rows]),
        "mae_median": mean(errors),
        "crps_mean": mean(scores),
    }
    return {
        "command": "backtest",
        "scenario": sc.name,
        "scenario_file": sc.source,
        "scenario_hash": sc.hash,
        "seed": result.seed,
        "replications": result.replications,
        "version": result.version,
        "observations": count,
        "scores": overall,
        "rows": rows,
    }


BACKTEST_COLUMNS = ("date", "series", "value", "source", "percentile", "in_50", "in_90", "median", "error",
                    "p5", "p25", "p75", "p95", "mean", "crps")


def backtest_text(report: dict) -> str:
    """A fixed-width table of the backtest for terminals."""
    head = (f"{report['scenario']}: {report['replications']:,} replications, seed {report['seed']}, "
            f"scenario {report['scenario_hash'][:12]}; {plural(report['observations'], 'observation')}")
    columns = ("date", "series", "observed", "median [5%-95%]", "percentile", "bands", "error", "CRPS", "source")
    cells = []
    for r in report["rows"]:
        bands = "50%,90%" if r["in_50"] else ("90%" if r["in_90"] else "outside")
        error = count_text(r["error"], 3).rstrip("0").rstrip(".")
        cells.append((r["date"], clip(r["series"], 20), count_text(r["value"], 3).rstrip("0").rstrip("."),
                      f"{count_text(r['median'])} [{count_text(r['p5'])}-{count_text(r['p95'])}]",
                      count_text(r["percentile"], 1), bands, error if error.startswith("-") else "+" + error,
                      count_text(r["crps"], 3), r["source"]))
    lines = [head] + table(columns, cells, "llrrrrrrl", indent="  ")
    s = report["scores"]
    if report["observations"]:
        lines.append(f"  coverage: 50% band {percent_text(s['coverage_50'], 0)}, 90% band {percent_text(s['coverage_90'], 0)}; "
                     f"mean absolute error of the median {count_text(s['mae_median'], 1)}; "
                     f"mean CRPS {count_text(s['crps_mean'], 2)}")
    return "\n".join(lines)


def save_backtest(result, observations: Sequence, report: dict, directory, formats: Sequence[str] = ("png",),
                  force: bool = False, question: str | None = None) -> None:
    """Write backtest.csv, sources.csv, the chart(s), report.html and backtest.json atomically (``question`` in the
    folder's marker)."""
    chart = None  # no formats: no chart at all, and no matplotlib
    if formats:
        from ..plots import Chart, backtest_chart

        chart = Chart(lambda: backtest_chart(result, [tuple(o) for o in observations], report["scores"]))
    sources = [str(o[3]) for o in observations if len(o) > 3 and o[3]]
    writers = {"backtest.csv": text_writer(rows_csv(report["rows"], BACKTEST_COLUMNS)),
               "sources.csv": text_writer(sources_csv(result.scenario.facts, article_files([result.scenario], sources)))}
    for fmt in formats:
        writers[f"backtest.{fmt}"] = chart.writer(fmt)
    files = list(writers) + ["report.html", "backtest.json"]
    writers["report.html"] = lambda path: path.write_text(
        backtest_page(result, report, chart and chart.svg(), files), encoding="utf-8")
    writers["backtest.json"] = text_writer(json_text(report))
    write_folder(directory, writers, force=force, question=question)
