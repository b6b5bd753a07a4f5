"""Sweeping assumptions: every point validated first, run with common random numbers, reduced to a row, saved."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ..files import text_writer, write_folder
from ..results.exports import article_files, curves_wide_csv, sources_csv
from ..runner import defaults, open_backend, run
from ..scenario import Scenario, ScenarioError, as_scenario
from ..text import clip, count_text, json_text, key_value_text, percent_text, point_text, rows_csv, table, value_text
from ..version import __version__
from .checkpoints import Checkpoint, checkpoints, funding_row, headline
from .grid import SweepError, expand_grid, parse_values
from .journal import append_journal, journal_key, read_journal
from .pages import sweep_page


def sweep_variants(scenario: Scenario, grid: Mapping[str, Sequence]) -> list[tuple[dict, Scenario]]:
    """Every point of the grid with its validated variant, before anything runs.

    Points are validated whole (some values are only valid together, such as a pledge and its
    batch sizes). Raises :class:`SweepError` with one line: ``--set KEY: ...`` for a key that
    names no place in the scenario (with the nearest valid key), else the first invalid point.
    """
    grid = {k: (parse_values(v) if isinstance(v, str) else list(v)) for k, v in grid.items()}
    if not grid:
        raise SweepError("nothing to sweep: give at least one --set KEY=VALUES")
    for key, values in grid.items():
        if not values:
            raise SweepError(f"--set {key}: no values")
    variants, bad = [], []
    for point in expand_grid(grid):
        try:
            variants.append((point, scenario.with_overrides(point)))
        except ScenarioError as error:
            bad.append((point, error))
    if bad:
        point, error = bad[0]
        for problem in error.problems:  # a wrong key is wrong whatever its value: name the key
            wrong_key = problem.message.startswith(("unknown key", "no item")) or "not a table" in problem.message
            if problem.path in grid and wrong_key:
                raise SweepError(f"--set {problem.path}: {problem.message}")
        more = f" ({len(bad)} of {len(variants) + len(bad)} points are invalid)" if len(bad) > 1 else ""
        raise SweepError(f"sweep point {clip(point_text(point), 200)}: {_problems(error)}{more}")
    return variants


def _problems(error: ScenarioError) -> str:
    """The distinct ``key.path: message`` texts of ``error``'s problems, joined by semicolons."""
    texts = []
    for p in error.problems:
        text = f"{p.path}: {p.message}"
        if text not in texts:
            texts.append(text)
    return "; ".join(texts)


def sweep(scenario, grid: Mapping[str, Sequence], replications: int | None = None, seed: int | None = None,
          workers: int | None = None, progress: Callable | None = None, backend: str = "local",
          scheduler: str | None = None, journal: str | Path | None = None, curves: list | None = None,
          replication_progress: Callable[[int], None] | None = None) -> list[dict]:
    """Run every point of ``grid`` (``{dotted key: [values]}``, first key varying slowest) on ``scenario``.

    Every point is validated before anything runs (:class:`SweepError` otherwise); all run with
    the same seed (common random numbers; default the scenario's) and replication count. Each
    result is reduced to its row at once, so memory does not grow with the number of points.
    ``progress(index, total, row, seconds)`` is called after each point if given (``seconds``
    is None for a point taken from the journal). ``backend``/``scheduler`` as in
    :func:`sim.run` (one backend serves every point).

    ``journal``: a file where each finished point's statistics are appended as one JSON line,
    keyed by what determines them (the variant's scenario hash, seed, replications and the
    package version). Points already in it are not run again, so a sweep that was interrupted
    or failed goes on where it stopped, with the rows an uninterrupted sweep would give.

    A row holds the swept values (under their keys), then P(reach authorized) at each checkpoint
    (``p_reach_authorized_<date>``, ``..._end``), the median total strength there
    (``total_p50_<date>``, ``total_p50_end``), ``median_first_day_authorized``,
    ``p_reach_target`` and, if the scenario has funding, ``p_deficit``.

    ``curves``: a list to which each point's daily total strength is appended, in point order
    (``{"start": ISO date, "p5": [...], "p50": [...], "p95": [...]}``, see :func:`point_curve`),
    for sweep_wide.csv and the chart's band. ``replication_progress(n)`` is called as replications
    finish (for a progress bar over the whole sweep).
    """
    scenario = as_scenario(scenario)
    variants = sweep_variants(scenario, grid)
    replications, seed = defaults(scenario, replications, seed)
    points = checkpoints(scenario)
    done = read_journal(journal) if journal is not None else {}
    rows = []
    with open_backend(backend, workers, scheduler) as opened:
        for index, (point, variant) in enumerate(variants):
            # a swept seed or replication count is honoured; otherwise every point shares them
            point_replications = variant.replications if "scenario.replications" in point else replications
            point_seed = variant.seed if "scenario.seed" in point else seed
            key = journal_key(variant, point_seed, point_replications)
            row = dict(point)
            if key in done and (curves is None or done[key]["curve"] is not None):
                row.update(done[key]["stats"])
                rows.append(row)
                if curves is not None:
                    curves.append(done[key]["curve"])
                if progress is not None:
                    progress(index, len(variants), row, None)
                continue
            began = time.perf_counter()
            result = run(variant, replications=point_replications, seed=point_seed, backend=opened,
                         progress=replication_progress or False)
            stats = _sweep_stats(result, points, scenario.funding is not None)
            curve = point_curve(result) if curves is not None else None
            del result  # each Result holds per-day histograms: keep only its row
            if journal is not None:
                append_journal(journal, key, stats, curve)
            row.update(stats)
            rows.append(row)
            if curves is not None:
                curves.append(curve)
            if progress is not None:
                progress(index, len(variants), row, time.perf_counter() - began)
    return rows


def _sweep_stats(result, points: Sequence[Checkpoint], funded: bool) -> dict:
    """A point's statistics: reach and median at each checkpoint, first day, P(target), P(deficit) if ``funded``."""
    stats = headline(result, points, full=False)
    reach = {k: v for k, v in stats.items() if k.startswith("p_reach_authorized_")}
    medians = {k: v for k, v in stats.items() if k.startswith("total_p50_")}
    row = {**reach, **medians, "median_first_day_authorized": stats["median_first_day_authorized"],
           "p_reach_target": stats["p_reach_target"]}
    if funded:
        row.update(funding_row(result, full=False))
    return row


def point_curve(result) -> dict:
    """A sweep point's daily total strength: ``{"start", "p5", "p50", "p95"}`` (values rounded to 3 decimals)."""
    q = result.quantiles("total")
    return {"start": result.scenario.start.isoformat(),
            **{k: [round(float(v), 3) for v in q[k]] for k in ("p5", "p50", "p95")}}


def sweep_wide_csv(grid: Mapping[str, Sequence], rows: Sequence[dict], curves: Sequence[dict]) -> str:
    """sweep_wide.csv: date, then each point's median and 5-95% band (``<key=value, ...>_p50``, ``_p5``, ``_p95``)."""
    columns = []
    for row, curve in zip(rows, curves):
        label = point_text({k: row[k] for k in grid})
        start = dt.date.fromisoformat(curve["start"])
        columns += [(f"{label}_{k}", start, curve[k]) for k in ("p50", "p5", "p95")]
    return curves_wide_csv(columns)


def sweep_summary(scenario: Scenario, grid: Mapping[str, Sequence], rows: list[dict], replications: int,
                  seed: int) -> dict:
    """The machine-readable summary of a sweep (sweep.json, ``sim sweep --json``)."""
    return {
        "command": "sweep",
        "version": __version__,
        "scenario": scenario.name,
        "scenario_file": scenario.source,
        "scenario_hash": scenario.hash,
        "seed": seed,
        "replications": replications,
        "keys": list(grid),
        "checkpoints": [{"label": c.label, "mandate": c.name, "date": c.date.isoformat() if c.date else None}
                        for c in checkpoints(scenario)],
        "headline": sweep_headline(rows),
        "points": [{k: (value_text(v) if k in grid and not _plain(v) else v) for k, v in row.items()} for row in rows],
    }


def _plain(value) -> bool:
    """True for a value JSON holds as it is (None, boolean, number, string); others are written as TOML text."""
    return value is None or isinstance(value, (bool, int, float, str))


def sweep_headline(rows: Sequence[dict]) -> str:
    """The column the chart shows: P(reach authorized by end), or the median at end if that is 0 everywhere."""
    if any(row.get("p_reach_authorized_end") for row in rows):
        return "p_reach_authorized_end"
    return "total_p50_end"


HEADLINE_LABELS = {
    "p_reach_authorized_end": "P(reach authorized by end)",
    "total_p50_end": "median total strength at end",
}


def sweep_text(grid: Mapping[str, Sequence], rows: Sequence[dict]) -> str:
    """A fixed-width table of the sweep for terminals (money in dollars, figures rounded half up)."""
    keys = list(grid)
    columns = [(k, lambda r, k=k: clip(key_value_text(k, r[k]), 30)) for k in keys]
    columns += [
        ("P(auth. by end)", lambda r: percent_text(r["p_reach_authorized_end"])),
        ("median at end", lambda r: count_text(r["total_p50_end"])),
        ("first day at auth.", lambda r: r["median_first_day_authorized"] or "not reached"),
        ("P(target)", lambda r: percent_text(r["p_reach_target"])),
    ]
    if rows and "p_deficit" in rows[0]:
        columns.append(("P(deficit)", lambda r: percent_text(r["p_deficit"])))
    cells = [[fmt(r) for _, fmt in columns] for r in rows]
    return "\n".join(table([name for name, _ in columns], cells, "r" * len(columns)))


def save_sweep(scenario: Scenario, grid: Mapping[str, Sequence], rows: list[dict], replications: int, seed: int,
               directory, formats: Sequence[str] = ("png",), force: bool = False, curves: Sequence[dict] | None = None,
               question: str | None = None) -> dict:
    """Write sweep.csv, sweep_wide.csv (with ``curves``), sources.csv, the chart(s), report.html and sweep.json
    atomically; return the summary. ``question`` is recorded in the folder's marker."""
    summary = sweep_summary(scenario, grid, rows, replications, seed)
    shown = summary["headline"]
    # swept values as written on the command line (1.0 stays 1.0, tables in TOML syntax)
    literal = [{k: (value_text(v) if k in grid else v) for k, v in row.items()} for row in rows]
    charted = [dict(row) for row in rows]
    for row, curve in zip(charted, curves or []):  # the band of the median at the end
        row["total_p5_end"], row["total_p95_end"] = curve["p5"][-1], curve["p95"][-1]
    chart = None  # no formats: no chart at all, and no matplotlib
    if formats:
        from ..plots import Chart, sweep_points_chart

        chart = Chart(lambda: sweep_points_chart(scenario, list(grid), charted, shown, HEADLINE_LABELS[shown],
                                                 replications, seed))
    writers = {"sweep.csv": text_writer(rows_csv(literal))}
    if curves is not None:
        writers["sweep_wide.csv"] = text_writer(sweep_wide_csv(grid, rows, curves))
    writers["sources.csv"] = text_writer(sources_csv(scenario.facts, article_files([scenario])))
    for fmt in formats:
        writers[f"sweep.{fmt}"] = chart.writer(fmt)
    files = list(writers) + ["report.html", "sweep.json"]
    writers["report.html"] = lambda path: path.write_text(
        sweep_page(scenario, dict(grid), rows, summary, chart and chart.svg(), HEADLINE_LABELS[shown], files),
        encoding="utf-8")
    writers["sweep.json"] = text_writer(json_text(summary))
    write_folder(directory, writers, force=force, question=question)
    return summary
