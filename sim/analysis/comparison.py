"""Comparing scenarios with common random numbers: run them, tabulate the differences, save the folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..files import text_writer, write_folder
from ..results.exports import article_files, curves_wide_csv, sources_csv
from ..runner import defaults, open_backend, run
from ..errors import InputError
from ..scenario import as_scenario
from ..scenario.limits import MAX_COMPARED
from ..text import clip, count_text, json_text, money_text, percent_text, rows_csv, table
from ..version import __version__
from .checkpoints import checkpoints, funding_row, headline
from .pages import compare_page


def compare(scenarios: Iterable, replications: int | None = None, seed: int | None = None,
            workers: int | None = None, progress: Callable | None = None, backend: str = "local",
            scheduler: str | None = None, replication_progress: Callable[[int], None] | None = None) -> list:
    """Run every scenario (Scenario objects or paths) with the same seed and replication count.

    ``seed`` and ``replications`` default to the first scenario's, so that every run shares
    common random numbers. ``progress(index, total, result, seconds)`` is called after each
    run if given, ``replication_progress(n)`` as replications finish (for a progress bar over the
    whole comparison). ``backend``/``scheduler`` as in :func:`sim.run` (one backend serves every
    run). Returns one :class:`~sim.results.Result` per scenario, in order.
    """
    scenarios = [as_scenario(s) for s in scenarios]
    if not scenarios:
        raise InputError("compare needs at least one scenario")
    if len(scenarios) > MAX_COMPARED:
        raise InputError(f"compare takes at most {MAX_COMPARED} scenarios, got {len(scenarios)}")
    replications, seed = defaults(scenarios[0], replications, seed)
    results = []
    with open_backend(backend, workers, scheduler) as opened:
        for index, scenario in enumerate(scenarios):
            began = time.perf_counter()
            result = run(scenario, replications=replications, seed=seed, backend=opened,
                         progress=replication_progress or False)
            results.append(result)
            if progress is not None:
                progress(index, len(scenarios), result, time.perf_counter() - began)
    return results


COMPARE_IDENTITY = ("scenario", "file", "hash", "replications", "seed")


def compare_rows(results: Sequence) -> list[dict]:
    """One row per result: identity, then the headline statistics at the first scenario's checkpoints."""
    if not results:
        return []
    points = checkpoints(results[0].scenario)
    funded = any(r.scenario.funding is not None for r in results)
    rows = []
    for result in results:
        sc = result.scenario
        row = {"scenario": sc.name, "file": sc.source, "hash": sc.hash, "replications": result.replications,
               "seed": result.seed}
        row.update(headline(result, points, full=True))
        if funded:
            row.update(funding_row(result, full=True))
        rows.append(row)
    return rows


def compare_summary(results: Sequence) -> dict:
    """The machine-readable summary of a comparison (compare.json, ``sim compare --json``)."""
    points = checkpoints(results[0].scenario)
    return {
        "command": "compare",
        "version": __version__,
        "seed": results[0].seed,
        "replications": results[0].replications,
        "checkpoints": [{"label": c.label, "mandate": c.name, "date": c.date.isoformat() if c.date else None}
                        for c in points],
        "scenarios": compare_rows(results),
    }


def compare_cells(results: Sequence) -> list[list[str]]:
    """The comparison's table for people (the terminal's and report.html's): one line per statistic,
    its name first, then one cell per scenario."""
    rows = compare_rows(results)
    points = checkpoints(results[0].scenario)
    lines_spec: list[tuple[str, Callable[[dict], str]]] = [
        ("file", lambda r: Path(r["file"]).name),
        ("scenario hash", lambda r: r["hash"][:12]),
    ]
    for c in points:
        title = f"{c.label} {c.name}" if c.date else "end of run"
        lines_spec.append((f"strength {title}", lambda r, c=c: _band(r, c.label)))
    for c in points:
        title = f"by {c.label}" if c.date else "by end"
        lines_spec.append((f"P(reach authorized) {title}", lambda r, c=c: percent_text(r[f"p_reach_authorized_{c.label}"])))
    lines_spec += [
        ("median first day at authorized", lambda r: r["median_first_day_authorized"] or "not reached"),
        ("P(reach target) by end", lambda r: percent_text(r["p_reach_target"])),
        ("P(mandate lapses)", lambda r: percent_text(r["p_lapse"])),
    ]
    if "p_deficit" in rows[0]:
        lines_spec += [
            ("P(deficit)", lambda r: percent_text(r["p_deficit"])),
            ("median lowest balance", lambda r: money_text(r["median_minimum_balance_usd"])),
        ]
    return [[label] + [fmt(r) for r in rows] for label, fmt in lines_spec]


def compare_text(results: Sequence) -> str:
    """A fixed-width table for terminals: one column per scenario, one line per statistic."""
    rows = compare_rows(results)
    sc0 = results[0].scenario
    cells = compare_cells(results)
    header = [""] + [clip(r["scenario"], 28) for r in rows]
    head = (f"Compared with common random numbers: seed {rows[0]['seed']}, {rows[0]['replications']:,} replications each;"
            f" checkpoints: the mandate deadlines of {sc0.name}.")
    lines = table(header, cells, "l" + "r" * len(rows), min_widths=[0] + [12] * len(rows))
    return "\n".join([head] + lines + ["(strength: median [5%-95%] of total personnel)"])


def _band(row: dict, label: str) -> str:
    """Total strength at checkpoint ``label`` as ``median [p5-p95]``, or "outside run"."""
    p50, p5, p95 = (row[f"total_{q}_{label}"] for q in ("p50", "p5", "p95"))
    if p50 is None:
        return "outside run"
    return f"{count_text(p50)} [{count_text(p5)}-{count_text(p95)}]"


def save_compare(results: Sequence, directory, formats: Sequence[str] = ("png",), force: bool = False,
                 question: str | None = None) -> dict:
    """Write compare.csv, compare_wide.csv, sources.csv, the chart(s), report.html and compare.json atomically;
    return the summary. ``question`` is recorded in the folder's marker (see :func:`sim.files.write_folder`)."""
    summary = compare_summary(results)
    chart = None  # no formats: no chart at all, and no matplotlib
    if formats:
        from ..plots import Chart, compare_chart

        chart = Chart(lambda: compare_chart(results))
    scenarios = [r.scenario for r in results]
    writers = {"compare.csv": text_writer(rows_csv(summary["scenarios"])),
               "compare_wide.csv": text_writer(compare_wide_csv(results)),
               "sources.csv": text_writer(sources_csv(scenarios[0].facts, article_files(scenarios)))}
    for fmt in formats:
        writers[f"compare.{fmt}"] = chart.writer(fmt)
    files = list(writers) + ["report.html", "compare.json"]
    writers["report.html"] = lambda path: path.write_text(
        compare_page(results, summary, compare_cells(results), chart and chart.svg(), files), encoding="utf-8")
    writers["compare.json"] = text_writer(json_text(summary))
    write_folder(directory, writers, force=force, question=question)
    return summary


def compare_wide_csv(results: Sequence) -> str:
    """compare_wide.csv: date, then each scenario's median and 25-75% band (``<name>_p50``, ``_p25``, ``_p75``)."""
    columns = []
    for r in results:
        q = r.quantiles("total")
        columns += [(f"{r.scenario.name}_{k}", r.scenario.start, q[k]) for k in ("p50", "p25", "p75")]
    return curves_wide_csv(columns)
