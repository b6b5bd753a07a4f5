"""Backtests: how the projected distribution scored against what was reported (percentiles, bands, CRPS)."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np

from ..errors import InputError
from ..files import text_writer, write_folder
from ..results.aggregate import QUANTILES
from ..results.exports import article_files, sources_csv
from ..results.quantiles import histogram_quantile
from ..text import clip, count_text, figure_text, json_text, percent_text, plural, rows_csv, table
from .observations import ObservationError, check_observations
from .pages import backtest_page
from .scores import INF, allowed, crps, figure_crps, midrank_percentile, probabilities, set_percentile

__all__ = ["backtest", "backtest_text", "save_backtest", "crps", "midrank_percentile", "BACKTEST_COLUMNS",
           "FIGURE_COLUMNS"]


def backtest(result, observations: Sequence) -> dict:
    """Score ``result``'s projections against observed figures (:class:`~sim.analysis.observations.Observation`,
    or plain ``(date, series, value, source)`` tuples: exact figures).

    Returns ``{"scenario", "scenario_hash", "seed", "replications", "version", "observations",
    "scores": {"coverage_50", "coverage_90", "mae_median", "crps_mean"}, "rows": [...]}``, and
    ``"warnings"`` when observations of a country the scenario lacks were left out. Each row: date,
    series, value, source, percentile (mid-rank of what the figure allows), in_50, in_90 (that set
    meets the band), median, error (from the median to that set), p5, p25, p75, p95, mean, crps
    (:mod:`sim.analysis.scores`); when any figure is not an exact strength, also kind,
    relative_error, low, high and p_allowed. Raises :class:`ObservationError` for an observation
    outside the run, or of cumulative arrivals the run did not record (``sim.run(..., arrivals=...)``).
    """
    sc = result.scenario
    kept, warnings = check_observations(sc, observations)
    rows, scores, errors = [], [], []
    observed: dict[str, list[int]] = {}  # the days each series is observed on: their distributions are summed at once
    for obs in kept:
        if obs.quantity == "strength":
            observed.setdefault(obs.country, []).append(sc.day(_date(obs.date)))
    distributions = {series: result.distributions(series, days) for series, days in observed.items()}
    extended = any(obs.kind != "exact" or obs.quantity != "strength" for obs in kept)
    for obs in kept:
        date, value, kind = _date(obs.date), obs.value, obs.kind
        day = sc.day(date)
        if obs.quantity == "strength":
            counts = distributions[obs.country][day]
            q = {k: float(v[day]) for k, v in result.quantiles(obs.country).items()}
            mean = float(result.mean(obs.country)[day])
        else:
            counts, q, mean = _arrived(result, obs, day)
        median = q["p50"]
        low, high = allowed(kind, value, obs.relative_error)
        score = figure_crps(counts, kind, value, obs.relative_error)
        error = value - median if kind == "exact" else (low - median if median < low else
                                                        high - median if median > high else 0.0)
        scores.append(score)
        errors.append(abs(error))
        row = {
            "date": date.isoformat(), "series": obs.series, "value": value, "source": obs.source,
            "percentile": round(midrank_percentile(counts, value) if kind == "exact" else
                                set_percentile(counts, low, high), 3),
            "in_50": bool(low <= q["p75"] and q["p25"] <= high),
            "in_90": bool(low <= q["p95"] and q["p5"] <= high),
            "median": round(median, 3),
            "error": round(error, 3),
            "p5": round(q["p5"], 3), "p25": round(q["p25"], 3), "p75": round(q["p75"], 3), "p95": round(q["p95"], 3),
            "mean": round(mean, 3),
            "crps": round(score, 3),
        }
        if extended:
            row.update(kind=kind, relative_error=obs.relative_error,
                       low=None if low == -INF else round(low, 3), high=None if high == INF else round(high, 3),
                       p_allowed=round(probabilities(counts, low, high)[1], 4))
        rows.append(row)
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
    report = {
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
    if warnings:
        report["warnings"] = warnings
    return report


def _date(date) -> dt.date:
    """A date (a datetime's day)."""
    return date.date() if isinstance(date, dt.datetime) else date


def _arrived(result, obs, day: int) -> tuple[np.ndarray, dict[str, float], float]:
    """The counts, quantiles and mean of the cumulative arrivals ``obs`` reports, as the run recorded them."""
    try:
        counts = result.arrived_distribution(obs.country, day)
    except InputError:
        raise ObservationError(f"{obs.where}: series {clip(repr(obs.series), 60)}: the run did not record cumulative "
                               f"arrivals on {_date(obs.date)}; run with sim.run(..., "
                               f"arrivals=sim.arrivals_needed(observations))") from None
    q = {f"p{p}": float(histogram_quantile(counts, p / 100)) for p in QUANTILES}
    mean = int(np.dot(np.arange(counts.size, dtype=np.int64), counts)) / int(counts.sum())
    return counts, q, mean


BACKTEST_COLUMNS = ("date", "series", "value", "source", "percentile", "in_50", "in_90", "median", "error",
                    "p5", "p25", "p75", "p95", "mean", "crps")
#: Appended when any figure is not an exact strength (a file of the first format gives the first output).
FIGURE_COLUMNS = ("kind", "relative_error", "low", "high", "p_allowed")


def backtest_text(report: dict) -> str:
    """A fixed-width table of the backtest for terminals."""
    head = (f"{report['scenario']}: {report['replications']:,} replications, seed {report['seed']}, "
            f"scenario {report['scenario_hash'][:12]}; {plural(report['observations'], 'observation')}")
    columns = ("date", "series", "observed", "median [5%-95%]", "percentile", "bands", "error", "CRPS", "source")
    cells = []
    for r in report["rows"]:
        bands = "50%,90%" if r["in_50"] else ("90%" if r["in_90"] else "outside")
        error = count_text(r["error"], 3).rstrip("0").rstrip(".")
        observed = count_text(r["value"], 3).rstrip("0").rstrip(".")
        cells.append((r["date"], clip(r["series"], 20), figure_text(observed, r.get("kind", "exact"), r.get("relative_error")),
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
    folder's marker). ``observations`` are those scored (the chart draws those of strength)."""
    chart = None  # no formats: no chart at all, and no matplotlib
    if formats:
        from ..plots import Chart, backtest_chart

        chart = Chart(lambda: backtest_chart(result, list(observations), report["scores"]))
    sources = [str(o[3]) for o in observations if len(o) > 3 and o[3]]
    extended = any("kind" in r for r in report["rows"])
    columns = BACKTEST_COLUMNS + FIGURE_COLUMNS if extended else BACKTEST_COLUMNS
    writers = {"backtest.csv": text_writer(rows_csv(report["rows"], columns)),
               "sources.csv": text_writer(sources_csv(result.scenario.facts, article_files([result.scenario], sources)))}
    for fmt in formats:
        writers[f"backtest.{fmt}"] = chart.writer(fmt)
    files = list(writers) + ["report.html", "backtest.json"]
    writers["report.html"] = lambda path: path.write_text(
        backtest_page(result, report, chart and chart.svg(), files), encoding="utf-8")
    writers["backtest.json"] = text_writer(json_text(report))
    write_folder(directory, writers, force=force, question=question)
