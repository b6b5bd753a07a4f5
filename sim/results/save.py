"""A run's files: strength.csv, funding.csv, the wide CSVs, the charts, replications.npz, report.html and
summary.json, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..files import text_writer, write_folder
from ..text import csv_text, number_text
from .aggregate import QUANTILES
from .exports import article_files, sources_csv, strength_wide_csv
from .page import run_page


def strength_csv(result: Any) -> str:
    """Daily strength per series (total first, then each country): date, series, mean, p5, p25, p50, p75, p95."""
    dates = [str(d) for d in result.dates]
    rows = []
    for series in ["total"] + result.series[:-1]:
        q = result.quantiles(series)
        columns = [result.mean(series)] + [q[f"p{p}"] for p in QUANTILES]
        rows += [[date, series] + [number_text(c[day]) for c in columns] for day, date in enumerate(dates)]
    return csv_text(rows, ["date", "series", "mean", "p5", "p25", "p50", "p75", "p95"])


def funding_csv(result: Any) -> str | None:
    """The daily balance in dollars: date, mean, p5, p50, p95 (None without funding)."""
    q = result.balance_quantiles()
    if q is None:
        return None
    keys = ("mean", "p5", "p50", "p95")
    rows = [[str(date)] + [number_text(q[k][day]) for k in keys] for day, date in enumerate(result.dates)]
    return csv_text(rows, ["date", *keys])


def write_replications(result: Any, path: Path) -> None:
    """Every replication's daily curves (and balances) to a compressed .npz, in replication order."""
    arrays = {"strength": result.replication_strength(), "series": np.array(result.series),
              "dates": result.dates.astype(str)}
    if result.scenario.funding is not None:
        arrays["balance_usd"] = result.replication_balances()
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def save_run(result: Any, directory: str | Path, formats: tuple[str, ...] = ("png",), force: bool = False,
             question: str | None = None) -> Path:
    """Write a run's folder (docs/design.md section 5), summary.json last; return its path.

    ``question`` (what was asked, e.g. the command line's scenario and overrides) is recorded in the
    folder's marker: a later run that asks another question does not replace the folder without ``force``.
    """
    from ..plots import Chart, funding_chart, strength_chart

    sc = result.scenario
    writers: dict[str, Callable[[Path], None]] = {"strength.csv": text_writer(strength_csv(result)),
                                                  "strength_wide.csv": text_writer(strength_wide_csv(result))}
    funding = funding_csv(result)
    if funding is not None:
        writers["funding.csv"] = text_writer(funding)
    writers["sources.csv"] = text_writer(sources_csv(sc.facts, article_files([sc])))
    charts = {"strength": (Chart(lambda: strength_chart(result)), "Projected personnel: the fan of total strength "
                           "(5–95% and 25–75% of runs, median, mean), and below each contingent's mean, stacked.")}
    if funding is not None:
        charts["funding"] = (Chart(lambda: funding_chart(result)), "The cash balance in US$ millions: 5–95% of runs, "
                             "median and mean; below zero the mission is in deficit and nobody leaves home.")
    for fmt in formats:
        for name, (chart, _caption) in charts.items():
            writers[f"{name}.{fmt}"] = chart.writer(fmt)
    if result.has_draws:
        writers["draws.csv"] = text_writer(result.draws_csv())
    if result.has_replications:
        writers["replications.npz"] = lambda path: write_replications(result, path)
    files = list(writers) + ["report.html", "summary.json"]
    writers["report.html"] = lambda path: path.write_text(run_page(
        result, [(name, chart.svg(), caption) for name, (chart, caption) in charts.items()], files), encoding="utf-8")
    writers["summary.json"] = text_writer(result.summary_json())
    return write_folder(directory, writers, force=force, question=question)
