"""A run's files: strength.csv, funding.csv, the charts, replications.npz and summary.json, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..files import text_writer, write_folder
from ..text import csv_text, number_text
from .aggregate import QUANTILES


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


def save_run(result: Any, directory: str | Path, formats: tuple[str, ...] = ("png",), force: bool = False) -> Path:
    """Write a run's folder (docs/design.md section 5), summary.json last; return its path."""
    from ..plots import figure_writer

    writers: dict[str, Callable[[Path], None]] = {"strength.csv": text_writer(strength_csv(result))}
    funding = funding_csv(result)
    if funding is not None:
        writers["funding.csv"] = text_writer(funding)
    for fmt in formats:
        writers[f"strength.{fmt}"] = figure_writer(lambda: result.plot("strength"))
        if funding is not None:
            writers[f"funding.{fmt}"] = figure_writer(lambda: result.plot("funding"))
    if result.has_replications:
        writers["replications.npz"] = lambda path: write_replications(result, path)
    writers["summary.json"] = text_writer(result.summary_json())
    return write_folder(directory, writers, force=force)
