"""A run's files: strength.csv, funding.csv, the wide CSVs, the charts, replications.npz, report.html and
summary.json, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..files import text_writer, write_folder
from ..text import csv_text, numbers_text
from .aggregate import QUANTILES
from .exports import article_files, sources_csv, strength_wide_csv
from .page import run_page


def strength_csv(result: Any) -> str:
    """Daily strength per series (total first, then each country): date, series, mean, p5, p25, p50, p75, p95."""
    dates = result.dates.astype(str).tolist()
    rows = []
    for series in ["total"] + result.series[:-1]:
        q = result.quantiles(series)
        columns = [numbers_text(c) for c in [result.mean(series)] + [q[f"p{p}"] for p in QUANTILES]]
        rows += [[date, series, *cells] for date, *cells in zip(dates, *columns)]
    return csv_text(rows, ["date", "series", "mean", "p5", "p25", "p50", "p75", "p95"])


def funding_csv(result: Any) -> str | None:
    """The daily balance in dollars: date, mean, p5, p50, p95 (None without funding)."""
    q = result.balance_quantiles()
    if q is None:
        return None
    keys = ("mean", "p5", "p50", "p95")
    rows = [list(row) for row in zip(result.dates.astype(str).tolist(), *(numbers_text(q[k]) for k in keys))]
    return csv_text(rows, ["date", *keys])


def write_replications(result: Any, path: Path) -> None:
    """Every replication's daily curves (and balances) to a compressed .npz, in replication order."""
    arrays = {"strength": result.replication_strength(), "series": np.array(result.series),
              "dates": result.dates.astype(str)}
    if result.scenario.funding is not None:
        arrays["balance_usd"] = result.replication_balances()
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


#: The charts of a run: file name, the chart function of :mod:`sim.plots`, the caption in report.html.
CHARTS = (
    ("strength", "strength_chart", "Projected personnel: the fan of total strength (5–95% and 25–75% of runs, median, "
     "mean), and below each contingent's mean, stacked."),
    ("funding", "funding_chart", "The cash balance in US$ millions: 5–95% of runs, median and mean; below zero the "
     "mission is in deficit and nobody leaves home."),
)


def save_run(result: Any, directory: str | Path, formats: tuple[str, ...] = ("png",), force: bool = False,
             question: str | None = None, drawers: Any = None) -> Path:
    """Write a run's folder (docs/design.md section 5), summary.json last; return its path.

    ``question`` (what was asked, e.g. the command line's scenario and overrides) is recorded in the
    folder's marker: a later run that asks another question does not replace the folder without ``force``.
    No ``formats``: no chart is drawn (nor embedded in report.html), and matplotlib is not imported.
    ``drawers`` (a :class:`sim.plots.parallel.Drawers`) draw the charts in other processes while this
    one writes the CSV files; the bytes are the same.
    """
    sc = result.scenario
    charts = {}  # first: the drawers draw while the CSVs are computed here
    for name, function, caption in CHARTS:
        if name == "funding" and sc.funding is None:
            continue
        if not formats:
            charts[name] = (None, caption)
        elif drawers is not None:
            charts[name] = (drawers.chart(function, result.without_replications(), formats), caption)
        else:
            charts[name] = (_here(function, result), caption)
    writers: dict[str, Callable[[Path], None]] = {"strength.csv": text_writer(strength_csv(result)),
                                                  "strength_wide.csv": text_writer(strength_wide_csv(result))}
    funding = funding_csv(result)
    if funding is not None:
        writers["funding.csv"] = text_writer(funding)
    writers["sources.csv"] = text_writer(sources_csv(sc.facts, article_files([sc])))
    for fmt in formats:
        for name, (chart, _caption) in charts.items():
            writers[f"{name}.{fmt}"] = chart.writer(fmt)
    if result.has_draws:
        writers["draws.csv"] = text_writer(result.draws_csv())
    if result.has_replications:
        writers["replications.npz"] = lambda path: write_replications(result, path)
    files = list(writers) + ["report.html", "summary.json"]
    writers["report.html"] = lambda path: path.write_text(run_page(
        result, [(name, chart and chart.svg(), caption) for name, (chart, caption) in charts.items()], files),
        encoding="utf-8")
    writers["summary.json"] = text_writer(result.summary_json())
    return write_folder(directory, writers, force=force, question=question)


def _here(function: str, result: Any):
    """The chart function ``function`` of :mod:`sim.plots` drawn with ``result`` in this process, when first used."""
    from .. import plots

    return plots.Chart(lambda: getattr(plots, function)(result))
