"""The analyst's workflow: compare scenarios, sweep assumptions, backtest against reported figures.

Used alike by the CLI (``sim compare``, ``sim sweep``, ``sim backtest``), the notebooks and
the tests::

    import sim
    results = sim.compare([sim.load("scenarios/baseline.toml"), sim.load("scenarios/announced.toml")])
    rows = sim.sweep(sim.load("scenarios/baseline.toml"), {"assumptions.fulfilment": sim.parse_values("0.2:1:0.2")})
    report = sim.backtest(sim.run(baseline), sim.read_observations("seeds/observed.csv"))

**Common random numbers.** Every run of a comparison or a sweep uses the same seed (by
default the first scenario's). Random streams are keyed by decision name
(:mod:`sim.streams`), so a decision that two variants share gets the same draws in both:
differences between them come from the scenarios, not from sampling noise.

**Checkpoints.** The headline statistics are taken at the mandate deadlines of the *first*
scenario of a comparison (or of the unswept scenario of a sweep), at the same dates for every
variant, and at each variant's own end. Column names carry the date (``total_p50_2025-10-02``)
or ``end``.

**Backtest scores** are computed exactly from the per-day distribution of integer strengths
(:meth:`Result.distribution`): the mid-rank percentile ``100 * (P(X < v) + P(X = v) / 2)``,
the 50 % and 90 % bands (p25..p75 and p5..p95, inclusive), the error of the median and the
continuous ranked probability score (see :func:`crps`).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import itertools
import json
import math
import os
import re
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .scenario import Scenario, ScenarioError

__all__ = [
    "compare", "compare_rows", "sweep", "sweep_variants", "backtest", "read_observations", "parse_values",
    "parse_grid", "expand_grid", "checkpoints", "crps", "midrank_percentile", "Observation", "ObservationError",
    "SweepError", "journal_key", "read_journal", "point_text", "value_text",
]

#: The most values one ``start:stop:step`` range may give (a typo like ``0:1:0.0001`` is caught).
MAX_RANGE = 10_000


class SweepError(ValueError):
    """A sweep specification that cannot be used (bad ``--set``, unknown key, invalid value)."""


class ObservationError(ValueError):
    """A malformed observations file or an observation the run cannot score: ``FILE:LINE: message``."""


# --------------------------------------------------------------------------- checkpoints and headline rows


@dataclass(frozen=True)
class Checkpoint:
    """A date at which headline statistics are taken; ``label`` names its columns."""

    label: str  # ISO date, or "end"
    name: str  # the mandate's name, or "end of run"
    date: dt.date | None  # None: each scenario's own end


def checkpoints(scenario: Scenario) -> list[Checkpoint]:
    """The mandate deadlines of ``scenario`` within its run (one per date), then its end."""
    out, seen = [], set()
    for name, date in scenario.deadlines():
        if date not in seen:
            seen.add(date)
            out.append(Checkpoint(date.isoformat(), name, date))
    return out + [Checkpoint("end", "end of run", None)]


def _day(result, checkpoint: Checkpoint) -> int | None:
    sc = result.scenario
    if checkpoint.date is None:
        return sc.days - 1
    day = sc.day(checkpoint.date)
    return day if 0 <= day < sc.days else None


def _round(value, digits: int):
    return None if value is None else round(float(value), digits)


def _headline(result, points: Sequence[Checkpoint], full: bool) -> dict:
    """Headline statistics of one result at ``points`` (compare: ``full``; sweep: the subset it needs)."""
    q = result.quantiles("total")
    reach = result.p_reach("authorized")
    days = [_day(result, c) for c in points]
    row: dict[str, Any] = {}
    quantiles = ("p50", "p5", "p95") if full else ("p50",)
    for c, day in zip(points, days):
        for name in quantiles:
            row[f"total_{name}_{c.label}"] = None if day is None else _round(q[name][day], 3)
    for c, day in zip(points, days):
        row[f"p_reach_authorized_{c.label}"] = None if day is None else _round(reach[day], 4)
    first = result.first_reach_median("authorized")
    row["median_first_day_authorized"] = first.isoformat() if first else None
    row["p_reach_target"] = _round(result.p_reach("target")[-1], 4)
    if full:
        row["p_lapse"] = _round(result.acc.lapses / result.replications, 4)
    return row


def _funding(result, full: bool) -> dict:
    if result.scenario.funding is None:
        return {"p_deficit": None, **({"median_minimum_balance_usd": None} if full else {})}
    if not full:  # as summary.json's p_deficit, without computing the whole summary
        return {"p_deficit": round(result.acc.deficits / result.replications, 4)}
    summary = result.summary()["funding"]
    return {"p_deficit": summary["p_deficit"], "median_minimum_balance_usd": summary["median_minimum_balance_usd"]}


# --------------------------------------------------------------------------- compare


def _as_scenario(scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    from .scenario import load

    return load(scenario)


def compare(scenarios: Iterable, replications: int | None = None, seed: int | None = None,
            workers: int | None = None, progress: Callable | None = None, backend: str = "local",
            scheduler: str | None = None) -> list:
    """Run every scenario (Scenario objects or paths) with the same seed and replication count.

    ``seed`` and ``replications`` default to the first scenario's, so that every run shares
    common random numbers. ``progress(index, total, result, seconds)`` is called after each
    run if given. ``backend``/``scheduler`` as in :func:`sim.run` (one backend serves every
    run). Returns one :class:`~sim.results.Result` per scenario, in order.
    """
    from .runner import open_backend, run

    scenarios = [_as_scenario(s) for s in scenarios]
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    first = scenarios[0]
    replications = first.replications if replications is None else int(replications)
    seed = first.seed if seed is None else int(seed)
    results = []
    with open_backend(backend, workers, scheduler) as opened:
        for index, scenario in enumerate(scenarios):
            began = time.perf_counter()
            result = run(scenario, replications=replications, seed=seed, backend=opened, progress=False)
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
        row.update(_headline(result, points, full=True))
        if funded:
            row.update(_funding(result, full=True))
        rows.append(row)
    return rows


def compare_summary(results: Sequence) -> dict:
    """The machine-readable summary of a comparison (compare.json, ``sim compare --json``)."""
    from . import __version__

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


def compare_text(results: Sequence) -> str:
    """A fixed-width table for terminals: one column per scenario, one line per statistic."""
    rows = compare_rows(results)
    points = checkpoints(results[0].scenario)
    sc0 = results[0].scenario
    lines_spec: list[tuple[str, Callable[[dict], str]]] = [
        ("file", lambda r: Path(r["file"]).name),
        ("scenario hash", lambda r: r["hash"][:12]),
    ]
    for c in points:
        title = f"{c.label} {c.name}" if c.date else "end of run"
        lines_spec.append((f"strength {title}", lambda r, c=c: _band(r, c.label)))
    for c in points:
        title = f"by {c.label}" if c.date else "by end"
        lines_spec.append((f"P(reach authorized) {title}", lambda r, c=c: _pct(r[f"p_reach_authorized_{c.label}"])))
    lines_spec += [
        ("median first day at authorized", lambda r: r["median_first_day_authorized"] or "not reached"),
        ("P(reach target) by end", lambda r: _pct(r["p_reach_target"])),
        ("P(mandate lapses)", lambda r: _pct(r["p_lapse"])),
    ]
    if "p_deficit" in rows[0]:
        lines_spec += [
            ("P(deficit)", lambda r: _pct(r["p_deficit"])),
            ("median lowest balance", lambda r: money_text(r["median_minimum_balance_usd"])),
        ]
    cells = [[fmt(r) for r in rows] for _, fmt in lines_spec]
    label_width = max(len(label) for label, _ in lines_spec)
    widths = [max(12, len(_clip(r["scenario"], 28)), *(len(cells[i][k]) for i in range(len(cells))))
              for k, r in enumerate(rows)]
    head = [
        (f"Compared with common random numbers: seed {rows[0]['seed']}, {rows[0]['replications']:,} replications each;"
         f" checkpoints: the mandate deadlines of {sc0.name}."),
        " " * label_width + "".join(f"  {_clip(r['scenario'], 28):>{w}}" for r, w in zip(rows, widths)),
    ]
    body = [f"{label:<{label_width}}" + "".join(f"  {cell:>{w}}" for cell, w in zip(row, widths))
            for (label, _), row in zip(lines_spec, cells)]
    return "\n".join(head + body + ["(strength: median [5%-95%] of total personnel)"])


def _band(row: dict, label: str) -> str:
    p50, p5, p95 = (row[f"total_{q}_{label}"] for q in ("p50", "p5", "p95"))
    if p50 is None:
        return "outside run"
    return f"{p50:,.0f} [{p5:,.0f}-{p95:,.0f}]"


def _pct(p) -> str:
    return "-" if p is None else f"{100 * p:.1f}%"


def money_text(usd: float | None) -> str:
    """US dollars in millions, sign first: ``$14.9M``, ``-$65.3M`` (``-`` for no value)."""
    if usd is None:
        return "-"
    return f"{'-' if usd < 0 else ''}${abs(usd) / 1e6:,.1f}M"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- sweep: values and grids

def _number(text: str):
    """``text`` as an int or a finite float if it is a plain number, else None."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_values(text: str) -> list:
    """The values of one swept key: ``"0.2,0.5,0.8"``, ``"0.1:1.0:0.1"`` or a single value.

    A range ``start:stop:step`` includes ``stop`` when it lands on it within float tolerance
    (``0.1:1.0:0.1`` gives 10 values); float values are rounded to 10 decimals so that
    ``0.30000000000000004`` is 0.3. If ``start``, ``stop`` and ``step`` are integers, so are the
    values. A list is read as TOML would read its items (numbers, booleans, dates, inline tables
    such as ``{dist = "beta", mean = 0.5, sd = 0.1}``); bare words are strings.
    Raises :class:`SweepError`.
    """
    import tomllib

    from .cli import parse_value

    text = str(text).strip()
    if not text:
        raise SweepError("no values given")
    if ":" in text and not text.lstrip().startswith(("{", "[", '"', "'")):
        parts = text.split(":")
        numbers = [_number(p) for p in parts]
        if all(n is not None for n in numbers):
            if len(parts) != 3:
                raise SweepError(f"a range is start:stop:step, got {text!r}")
            return _range(*numbers, text=text)
    try:
        values = tomllib.loads(f"v = [{text}]")["v"]
    except tomllib.TOMLDecodeError:
        values = [parse_value(part.strip()) for part in text.split(",")]
    if any(v == "" for v in values):
        raise SweepError(f"empty value in {text!r}")
    return values


def _range(start, stop, step, text: str) -> list:
    if step == 0:
        raise SweepError(f"range {text!r}: step must not be 0")
    if (stop - start) * step < 0:
        raise SweepError(f"range {text!r}: step {step:g} goes away from stop {stop:g}")
    exact = all(isinstance(x, int) for x in (start, stop, step))
    count = (stop - start) / step
    # include stop when the last step lands on it within float tolerance
    steps = math.floor(count + 1e-9 * max(1.0, abs(count)))
    if steps + 1 > MAX_RANGE:
        raise SweepError(f"range {text!r} gives {steps + 1:,} values; at most {MAX_RANGE:,}")
    if exact:
        return [start + k * step for k in range(steps + 1)]
    return [_tidy(start + k * step) for k in range(steps + 1)]


def _tidy(value: float) -> float:
    value = round(float(value), 10)
    return 0.0 if value == 0 else value


def parse_grid(items: Sequence[str]) -> dict[str, list]:
    """``["KEY=VALUES", ...]`` (the ``--set`` options of ``sim sweep``) as ``{key: values}``, in order."""
    grid: dict[str, list] = {}
    for item in items or []:
        key, sep, values = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise SweepError(f"--set needs KEY=VALUES, got {item!r}")
        if key in grid:
            raise SweepError(f"--set {key} given twice; give all its values at once (e.g. {key}=0.2,0.5,0.8)")
        try:
            grid[key] = parse_values(values)
        except SweepError as error:
            raise SweepError(f"--set {key}: {error}") from None
    return grid


def expand_grid(grid: Mapping[str, Sequence]) -> list[dict]:
    """The cartesian product of ``grid`` as override dicts, the first key varying slowest."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(list(grid[k]) for k in keys))]


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
        raise SweepError(f"sweep point {point_text(point)}: {_problems(error)}{more}")
    return variants


def _problems(error: ScenarioError) -> str:
    texts = []
    for p in error.problems:
        text = f"{p.path}: {p.message}"
        if text not in texts:
            texts.append(text)
    return "; ".join(texts)


def point_text(values: Mapping) -> str:
    """Dotted keys and their values as written on the command line: ``a.b=0.5, c={dist = "beta", ...}``."""
    return ", ".join(f"{k}={value_text(v)}" for k, v in values.items())


def value_text(value) -> str:
    """A swept value as written on the command line (TOML syntax; strings bare)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(_tidy(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_item(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_item(v) for v in value) + "]"
    return str(value)


def _toml_item(value) -> str:
    return json.dumps(value) if isinstance(value, str) else value_text(value)


# --------------------------------------------------------------------------- sweep: running


def sweep(scenario, grid: Mapping[str, Sequence], replications: int | None = None, seed: int | None = None,
          workers: int | None = None, progress: Callable | None = None, backend: str = "local",
          scheduler: str | None = None, journal: str | Path | None = None) -> list[dict]:
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
    """
    from .runner import open_backend, run

    scenario = _as_scenario(scenario)
    variants = sweep_variants(scenario, grid)
    replications = scenario.replications if replications is None else int(replications)
    seed = scenario.seed if seed is None else int(seed)
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
            if key in done:
                row.update(done[key])
                rows.append(row)
                if progress is not None:
                    progress(index, len(variants), row, None)
                continue
            began = time.perf_counter()
            result = run(variant, replications=point_replications, seed=point_seed, backend=opened, progress=False)
            stats = _sweep_stats(result, points, scenario.funding is not None)
            del result  # each Result holds per-day histograms: keep only its row
            if journal is not None:
                _append_journal(journal, key, stats)
            row.update(stats)
            rows.append(row)
            if progress is not None:
                progress(index, len(variants), row, time.perf_counter() - began)
    return rows


def journal_key(variant: Scenario, seed: int, replications: int) -> str:
    """What a sweep point's statistics depend on: the resolved scenario, seed, replications, version."""
    from . import __version__

    return f"{variant.hash}:{seed}:{replications}:{__version__}"


def read_journal(path: str | Path) -> dict[str, dict]:
    """The statistics recorded in a sweep journal, by key; a missing file is empty.

    A line that does not parse (the last one, if the process was killed while writing it)
    is ignored: that point runs again.
    """
    done: dict[str, dict] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return done
    for line in lines:
        try:
            entry = json.loads(line)
            done[entry["key"]] = entry["stats"]
        except (ValueError, KeyError, TypeError):
            continue
    return done


def _append_journal(path: str | Path, key: str, stats: dict) -> None:
    line = json.dumps({"key": key, "stats": stats}, ensure_ascii=False) + "\n"
    with open(path, "a", encoding="utf-8") as handle:  # one write per point, flushed to disk at once
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def _sweep_stats(result, points: Sequence[Checkpoint], funded: bool) -> dict:
    stats = _headline(result, points, full=False)
    reach = {k: v for k, v in stats.items() if k.startswith("p_reach_authorized_")}
    medians = {k: v for k, v in stats.items() if k.startswith("total_p50_")}
    row = {**reach, **medians, "median_first_day_authorized": stats["median_first_day_authorized"],
           "p_reach_target": stats["p_reach_target"]}
    if funded:
        row.update(_funding(result, full=False))
    return row


def sweep_summary(scenario: Scenario, grid: Mapping[str, Sequence], rows: list[dict], replications: int,
                  seed: int) -> dict:
    """The machine-readable summary of a sweep (sweep.json, ``sim sweep --json``)."""
    from . import __version__

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


def sweep_chart(scenario: Scenario, grid: Mapping[str, Sequence], rows: Sequence[dict],
                replications: int | None = None, seed: int | None = None):
    """The sweep chart: the headline against the first key, one line per value of the other keys.

    The headline is P(reach authorized by end), or the median total strength at end when that
    probability is 0 at every point (the footnote says so).
    """
    from . import plots

    keys = list(grid)
    headline = sweep_headline(rows)
    y = HEADLINE_LABELS[headline]
    x = keys[0]
    numeric = all(isinstance(row[x], (int, float)) and not isinstance(row[x], bool) for row in rows)
    labels: list[str] = []
    if not numeric:  # dates, tables, words: plot at their position, label with the value
        for row in rows:
            if value_text(row[x]) not in labels:
                labels.append(value_text(row[x]))
    by = ", ".join(keys[1:]) or None  # one line per combination of the other keys' values
    chart_rows = []
    for row in rows:
        chart = {x: row[x] if numeric else labels.index(value_text(row[x])), y: row[headline]}
        if by:
            other = row[keys[1]]
            if len(keys) == 2 and isinstance(other, (int, float)) and not isinstance(other, bool):
                chart[by] = other
            else:  # long values wrapped, so that the legend stays inside the figure
                chart[by] = _wrap(", ".join(value_text(row[k]) for k in keys[1:]), 24)
        chart_rows.append(chart)
    title = f"{_clip(scenario.name, 40)} — sweep: {y}"  # the axis and the legend name the keys
    fig = plots.sweep_chart(chart_rows, x=x, y=y, by=by, title=title)
    ax = fig.axes[0]
    if not numeric:
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels([_clip(label, 24) for label in labels], rotation=20 if len(labels) > 6 else 0)
    if by and ax.get_legend() is not None:
        ax.get_legend().set_title(_wrap(by, 30))
    note = f"{len(rows)} sweep points"
    if replications is not None:
        note += f", {replications:,} replications each, seed {seed} (common random numbers)"
    note += f"; scenario {scenario.name!r}, hash {scenario.hash[:12]}."
    if headline == "total_p50_end":
        note += f" P(reach authorized {scenario.authorized:,} by end) is 0 at every point: the chart shows the median."
    for text in fig.texts:
        if text.get_text().endswith("sweep points"):
            text.set_text(textwrap.fill(note, 150))
            text.set_y(0.012)
    fig.subplots_adjust(bottom=0.13)  # room for a two-line footnote under the axis label
    return fig


def _wrap(text: str, width: int) -> str:
    """``text`` on lines of about ``width`` characters, broken after dots, commas or spaces."""
    pieces = [piece for piece in re.split(r"(?<=[,\s])(?=\S)|(?<=\.)(?=[^\d\s])", text) if piece]
    lines, line = [], ""
    for piece in pieces:
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines) or text


def sweep_text(grid: Mapping[str, Sequence], rows: Sequence[dict]) -> str:
    """A fixed-width table of the sweep for terminals."""
    keys = list(grid)
    columns = [(k, lambda r, k=k: _clip(value_text(r[k]), 30)) for k in keys]
    columns += [
        ("P(auth. by end)", lambda r: _pct(r["p_reach_authorized_end"])),
        ("median at end", lambda r: f"{r['total_p50_end']:,.0f}" if r["total_p50_end"] is not None else "-"),
        ("first day at auth.", lambda r: r["median_first_day_authorized"] or "not reached"),
        ("P(target)", lambda r: _pct(r["p_reach_target"])),
    ]
    if rows and "p_deficit" in rows[0]:
        columns.append(("P(deficit)", lambda r: _pct(r["p_deficit"])))
    cells = [[fmt(r) for _, fmt in columns] for r in rows]
    widths = [max(len(name), *(len(c[i]) for c in cells)) if cells else len(name) for i, (name, _) in enumerate(columns)]
    lines = ["  ".join(f"{name:>{w}}" for (name, _), w in zip(columns, widths))]
    lines += ["  ".join(f"{cell:>{w}}" for cell, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


# --------------------------------------------------------------------------- backtest: observations

OBSERVATION_COLUMNS = ("date", "series", "value", "source")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Observation(tuple):
    """``(date, series, value, source)``, remembering where it was read (``where``: ``FILE:LINE``)."""

    def __new__(cls, date: dt.date, series: str, value: float, source: str = "", where: str = ""):
        self = super().__new__(cls, (date, series, value, source))
        self.where = where
        return self

    def __getnewargs__(self):
        return (*self, self.where)

    date = property(lambda self: self[0])
    series = property(lambda self: self[1])
    value = property(lambda self: self[2])
    source = property(lambda self: self[3])


def read_observations(path) -> list[Observation]:
    """Read ``date,series,value[,source]`` rows (a header is required; ``#`` lines and blank lines are skipped).

    Returns :class:`Observation` tuples ``(date, series, value, source)``. Raises
    :class:`ObservationError` as ``FILE:LINE: message`` on a missing file, a header without
    the required columns, a bad date or a value that is not a non-negative number.
    """
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ObservationError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ObservationError(f"{name}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise ObservationError(f"{name}: not a text file (not UTF-8); observations are a CSV text file") from None
    except OSError as error:
        raise ObservationError(f"{name}: cannot read: {error.strerror}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header, columns, out = None, {}, []
    for fields in reader:
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in fields]
        if header is None:
            header = [f.lower() for f in fields]
            for column in header:
                if column not in OBSERVATION_COLUMNS:
                    close = difflib.get_close_matches(column, OBSERVATION_COLUMNS, n=1, cutoff=0.6)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise ObservationError(f"{name}:{line}: unknown column {column!r}{hint}; "
                                           f"the header is date,series,value[,source]")
            if len(set(header)) != len(header):
                raise ObservationError(f"{name}:{line}: a column is named twice in the header")
            missing = [c for c in OBSERVATION_COLUMNS[:3] if c not in header]
            if missing:
                raise ObservationError(f"{name}:{line}: header lacks column(s) {', '.join(missing)}; "
                                       f"the first line must be date,series,value[,source]")
            columns = {c: header.index(c) for c in header}
            continue
        if len(fields) != len(header):
            raise ObservationError(f"{name}:{line}: {len(fields)} fields, but the header has {len(header)}")
        where = f"{name}:{line}"
        raw_date = fields[columns["date"]]
        try:
            if not _DATE.match(raw_date):
                raise ValueError
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise ObservationError(f"{where}: date: not a date like 2024-08-27: {raw_date!r}") from None
        series = fields[columns["series"]]
        if not series:
            raise ObservationError(f"{where}: series: empty; give 'total' or a country of the scenario")
        raw_value = fields[columns["value"]].replace(",", "")
        value = _number(raw_value)
        if value is None or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {fields[columns['value']]!r}")
        if value < 0:
            raise ObservationError(f"{where}: value: a strength cannot be negative, got {value:g}")
        source = fields[columns["source"]] if "source" in columns else ""
        out.append(Observation(date, series, value, source, where))
    if header is None:
        raise ObservationError(f"{name}:1: empty file; the first line must be the header date,series,value[,source]")
    return out


def check_observations(scenario: Scenario, observations: Sequence) -> None:
    """Raise :class:`ObservationError` (``FILE:LINE: ...``) for an observation the run cannot score."""
    series = [c.country for c in scenario.contingents] + ["total"]
    for k, obs in enumerate(observations):
        date, name = obs[0], obs[1]
        where = getattr(obs, "where", "") or f"observation {k + 1}"
        if isinstance(date, dt.datetime):
            date = date.date()
        if not isinstance(date, dt.date):
            raise ObservationError(f"{where}: date: not a date: {date!r}")
        if not scenario.start <= date <= scenario.end:
            raise ObservationError(f"{where}: date {date} is outside the run ({scenario.start} to {scenario.end})")
        if name not in series:
            close = difflib.get_close_matches(str(name), series, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ObservationError(f"{where}: series {name!r} is neither 'total' nor a country of "
                                   f"{scenario.name!r}{hint}; countries: {', '.join(series[:-1])}")
        value = obs[2]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ObservationError(f"{where}: value: not a number: {value!r}")


# --------------------------------------------------------------------------- backtest: scores


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
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum()
    if n <= 0:
        raise ValueError("empty distribution")
    top = counts.size - 1
    low = min(0, math.floor(y))
    high = max(top, math.ceil(y))  # F = 1 and 1[x >= y] = 1 from here on
    v = np.arange(low, high + 1)
    cdf = np.cumsum(counts) / n
    F = np.where(v < 0, 0.0, cdf[np.clip(v, 0, top)])
    # fraction of [v, v + 1) lying at or after y
    after = np.clip(v + 1 - y, 0.0, 1.0)
    return float(np.sum((1 - after) * F**2 + after * (F - 1) ** 2))


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
    for obs in observations:
        date, series, value = obs[0], obs[1], obs[2]
        source = obs[3] if len(obs) > 3 else ""
        date = date.date() if isinstance(date, dt.datetime) else date
        day = sc.day(date)
        counts = result.distribution(series, day)
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
            f"scenario {report['scenario_hash'][:12]}; {report['observations']} observations")
    columns = ("date", "series", "observed", "median [5%-95%]", "percentile", "bands", "error", "CRPS", "source")
    cells = []
    for r in report["rows"]:
        bands = "50%,90%" if r["in_50"] else ("90%" if r["in_90"] else "outside")
        cells.append((r["date"], _clip(r["series"], 20), f"{r['value']:,g}",
                      f"{r['median']:,.0f} [{r['p5']:,.0f}-{r['p95']:,.0f}]", f"{r['percentile']:.1f}",
                      bands, f"{r['error']:+,g}", f"{r['crps']:,.3f}", r["source"]))
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    lines = [head]
    for row in [columns] + cells:
        lines.append(("  " + "  ".join(f"{c:<{w}}" if i in (0, 1, 8) else f"{c:>{w}}"
                                       for i, (c, w) in enumerate(zip(row, widths)))).rstrip())
    s = report["scores"]
    if report["observations"]:
        lines.append(f"  coverage: 50% band {s['coverage_50']:.0%}, 90% band {s['coverage_90']:.0%}; "
                     f"mean absolute error of the median {s['mae_median']:,.1f}; mean CRPS {s['crps_mean']:,.2f}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- files


def csv_text(rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """Rows as CSV: numbers as they are (already rounded), None empty, booleans true/false."""
    columns = list(columns or (rows[0].keys() if rows else []))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return value_text(value)


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def save_compare(results: Sequence, directory, formats: Sequence[str] = ("png",), force: bool = False) -> dict:
    """Write compare.csv, the chart(s) and compare.json atomically; return the summary."""
    from . import plots
    from .output import figure_writer, text_writer, write_folder

    summary = compare_summary(results)
    writers = {"compare.csv": text_writer(csv_text(summary["scenarios"]))}
    for fmt in formats:
        writers[f"compare.{fmt}"] = figure_writer(lambda: plots.compare_chart(results))
    writers["compare.json"] = text_writer(_json(summary))
    write_folder(directory, writers, force=force)
    return summary


def save_sweep(scenario: Scenario, grid: Mapping[str, Sequence], rows: list[dict], replications: int, seed: int,
               directory, formats: Sequence[str] = ("png",), force: bool = False) -> dict:
    """Write sweep.csv, the chart(s) and sweep.json atomically; return the summary."""
    from .output import figure_writer, text_writer, write_folder

    summary = sweep_summary(scenario, grid, rows, replications, seed)
    # swept values as written on the command line (1.0 stays 1.0, tables in TOML syntax)
    literal = [{k: (value_text(v) if k in grid else v) for k, v in row.items()} for row in rows]
    writers = {"sweep.csv": text_writer(csv_text(literal))}
    for fmt in formats:
        writers[f"sweep.{fmt}"] = figure_writer(lambda: sweep_chart(scenario, grid, rows, replications, seed))
    writers["sweep.json"] = text_writer(_json(summary))
    write_folder(directory, writers, force=force)
    return summary


def save_backtest(result, observations: Sequence, report: dict, directory, formats: Sequence[str] = ("png",),
                  force: bool = False) -> None:
    """Write backtest.csv, the chart(s) and backtest.json atomically."""
    from . import plots
    from .output import figure_writer, text_writer, write_folder

    writers = {"backtest.csv": text_writer(csv_text(report["rows"], BACKTEST_COLUMNS))}
    for fmt in formats:
        writers[f"backtest.{fmt}"] = figure_writer(lambda: plots.backtest_chart(result, [tuple(o) for o in observations]))
    writers["backtest.json"] = text_writer(_json(report))
    write_folder(directory, writers, force=force)
