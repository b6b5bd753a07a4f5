"""Chart-ready CSVs for a newsroom's charting tools: one header row, the date first, one column per line
(a band as separate low and high columns), and ``sources.csv`` naming the articles behind them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence

import numpy as np

from ..text import csv_text, numbers_text

#: The columns of the total in strength_wide.csv, in order.
TOTAL_COLUMNS = ("p5", "p50", "p95", "p25", "p75")


def strength_wide_csv(result: Any) -> str:
    """strength_wide.csv: date, the total's p5, p50, p95, p25, p75 and mean, each contingent's median,
    then the authorized ceiling and the target (flat lines to draw with the curves)."""
    sc = result.scenario
    q = result.quantiles("total")
    columns: list[tuple[str, np.ndarray]] = [(f"total_{k}", q[k]) for k in TOTAL_COLUMNS]
    columns.append(("total_mean", result.mean("total")))
    columns += [(f"{country}_p50", result.quantiles(country)["p50"]) for country in result.series[:-1]]
    columns.append(("authorized", ceiling_by_day(sc)))
    columns.append(("target", np.full(sc.days, float(sc.target))))
    return curves_wide_csv([(name, sc.start, values) for name, values in columns])


def ceiling_by_day(scenario: Any) -> np.ndarray:
    """The authorized ceiling on each day of the run if every mandate is renewed (a step at each change)."""
    out = np.empty(scenario.days)
    for when, value in scenario.ceilings():
        out[max(scenario.day(when), 0):] = value
    return out


def curves_wide_csv(columns: Sequence[tuple[str, dt.date, Sequence[float]]]) -> str:
    """Curves side by side: ``date`` first, then one column per ``(name, first date, daily values)``.

    The dates are every day any curve covers, in order; a cell outside its curve's days is empty.
    Numbers as the daily CSVs write them (at most 3 decimals).
    """
    if not columns:
        return csv_text([], ["date"])
    first = min(start for _, start, _ in columns)
    last = max(start + dt.timedelta(days=len(values) - 1) for _, start, values in columns)
    days = (last - first).days + 1
    cells = [[(first + dt.timedelta(days=day)).isoformat() for day in range(days)]]
    for _, start, values in columns:
        items = values.tolist() if hasattr(values, "tolist") else list(values)
        texts = numbers_text([0 if v is None else v for v in items])
        column = [""] * (start - first).days + ["" if v is None else t for v, t in zip(items, texts)]
        cells.append(column + [""] * (days - len(column)))
    return csv_text([list(row) for row in zip(*cells)], ["date"] + unique([name for name, _, _ in columns]))


def unique(names: Iterable[str]) -> list[str]:
    """``names`` with a repeated one made distinct by a number: ``Baseline_p50``, ``Baseline (2)_p50``."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 2
        while candidate in out:
            head, sep, tail = name.rpartition("_")
            candidate = f"{head} ({k}){sep}{tail}" if sep else f"{name} ({k})"
            k += 1
        out.append(candidate)
    return out


def sources_csv(facts: Any, files: Iterable[str]) -> str:
    """sources.csv: the articles ``files`` (by file name) with their short name, title, outlet and date, in order."""
    rows = []
    for file in sorted(set(files)):
        source = facts.sources.get(file)
        if source is None:
            rows.append([file, file, "", "", ""])
        else:
            rows.append([file, source.name, source.title, source.outlet, source.date.isoformat() if source.date else ""])
    return csv_text(rows, ["file", "name", "title", "outlet", "date"])


def article_files(scenarios: Iterable[Any], extra: Iterable[str] = ()) -> list[str]:
    """The article files behind the facts of ``scenarios`` (and ``extra`` ones, e.g. observations' sources)."""
    files = {fact.source for sc in scenarios for fact in sc.facts_used}
    return sorted(files | {str(f) for f in extra if f})
