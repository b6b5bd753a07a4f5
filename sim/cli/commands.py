"""The commands: ``run``, ``validate``, ``facts``, ``compare``, ``sweep`` and ``backtest`` (``calibrate`` is in
:mod:`sim.cli.calibrate`).

Each reads its arguments and checks everything before anything runs; those that write a folder
end with :func:`~sim.cli.options.finish`. Bad input raises a :class:`~sim.errors.SimError`, but for
a bad scenario in ``validate`` and a bad observation file in ``backtest``: printed as
``FILE:LINE: ...``, exit code 2. Each returns the exit code.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from contextlib import nullcontext
from pathlib import Path

from .. import facts as factbase
from ..analysis.backtests import backtest, backtest_text, save_backtest
from ..analysis.comparison import compare, compare_text, save_compare
from ..analysis.grid import parse_grid
from ..analysis.journal import open_journal
from ..analysis.observations import ObservationError, arrivals_needed, check_observations, read_observations
from ..analysis.sweeps import save_sweep, sweep, sweep_text, sweep_variants
from ..errors import BAD_INPUT
from ..model import variants
from ..plots.parallel import Drawers
from ..processes import charts_elsewhere
from ..runner import OverallBar, defaults, run
from ..scenario import ScenarioError, load
from ..scenario.schema import json_schema
from ..shipped import default_scenario
from ..text import count_text, json_text, key_value_text, percent_text, plural
from .options import (
    UsageError, backend, chart_formats, check_counts, compare_output, default_output, finish,
    load_scenario, output_folder, parse_sets, parse_varies, question, report_kept, say,
)
from .failures import stopped


def cmd_run(args) -> int:
    """``sim run``: run a scenario (with its ``--set`` overrides), write its folder and print the summary."""
    check_counts(args)
    formats = chart_formats(args.format)
    path = Path(args.scenario) if args.scenario else default_scenario()
    scenario = load_scenario(path, parse_sets(args.set))
    vary = parse_varies(args.vary)
    variation = variants.variation(scenario, vary, args.params)  # every key checked before anything runs
    varied = [f"vary {item.strip()}" for item in args.vary or []] + ([f"params {args.params}"] if args.params else [])
    asked = question("run", [path], args.set, *[f"--{item}" for item in varied])
    out, foreign = output_folder(args, default_output(path, (args.set or []) + varied), asked)
    # the charts are drawn in other processes (two cores or more), which import matplotlib while the replications run
    with Drawers(charts(scenario)) if formats and charts_elsewhere() else nullcontext() as drawers:
        result = run(
            scenario, replications=args.replications, seed=args.seed, workers=args.workers,
            progress=not args.quiet, keep_replications=args.keep_replications, **backend(args),
            vary=variation, keep_draws=args.keep_draws,
        )
        result.save(out, formats=formats, force=args.force, question=asked, drawers=drawers)
    report_kept(args, out, foreign)
    return finish(args, result.summary_json(), result.text, out)


def charts(scenario) -> int:
    """How many processes draw a run's charts: one per chart (strength, and funding if any), one per core at most."""
    return max(1, min(1 + (scenario.funding is not None), os.cpu_count() or 1))


def cmd_validate(args) -> int:
    """``sim validate``: print every problem of each FILE (or the JSON Schema); exit code 2 if any file is bad."""
    if args.schema:
        print(json.dumps(json_schema(), indent=2))
        return 0
    if not args.files:
        raise UsageError("validate needs at least one scenario FILE (or --schema)")
    bad = 0
    for name in args.files:
        try:
            scenario = load(name)
        except ScenarioError as error:
            bad += 1
            for problem in error.problems:
                print(problem, file=sys.stderr)
            continue
        except factbase.FactError as error:  # the fact base beside this file; the other files are still checked
            bad += 1
            print(f"{name}: <facts>: {error}", file=sys.stderr)
            continue
        problems = variants.fitted_problems(scenario)  # [calibration] keys and [posterior] columns
        if problems:
            bad += 1
            for problem in problems:
                print(problem, file=sys.stderr)
            continue
        if not args.quiet:
            print(
                f"ok  {name}: {scenario.name!r}, {plural(len(scenario.contingents), 'contingent')}, "
                f"{plural(len(scenario.mandates), 'mandate')}, {plural(len(scenario.facts_used), 'fact')}, "
                f"hash {scenario.hash[:12]}"
            )
    return BAD_INPUT if bad else 0


def cmd_facts(args) -> int:
    """``sim facts``: print the fact base and its conflicts, or the facts named in full, or with ``--check`` check
    every quote (1 if any fails)."""
    base = factbase.load_facts(Path(args.facts) if args.facts else None)
    if args.ids:
        if args.check is not None:
            raise UsageError("give fact ids or --check, not both")
        print(factbase.fact_text(base, args.ids))
        return 0
    if args.check is None:
        print(base.table())
        if base.conflicts:
            print(f"\n{len(base.conflicts)} conflicts between sources:")
            for conflict in base.conflicts:
                print(textwrap.fill(f"{', '.join(conflict.facts)}: {conflict.note}", 110, initial_indent="  - ",
                                    subsequent_indent="    "))
        return 0
    folder = Path(args.check) if args.check else factbase.default_articles_dir(base)
    if folder is None or not folder.is_dir():
        raise UsageError(f"no articles folder {folder or 'seeds/articles'}; give one: sim facts --check DIR")
    problems = factbase.check_quotes(base, folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} of {len(base.facts)} facts not found in {folder}", file=sys.stderr)
        return 1
    print(f"all {len(base.facts)} facts verified against {folder}")
    return 0


def cmd_compare(args) -> int:
    """``sim compare``: run every scenario with common random numbers, write the folder, print the table."""
    check_counts(args)
    formats = chart_formats(args.format)
    scenarios = [load(name) for name in args.scenarios]  # every file is checked before anything runs
    asked = question("compare", args.scenarios)
    out, foreign = output_folder(args, compare_output(args.scenarios), asked)
    replications, seed = defaults(scenarios[0], args.replications, args.seed)
    say(args, f"compare: {plural(len(scenarios), 'scenario')}, {replications:,} replications each, seed {seed} "
               f"(common random numbers)")
    bar = OverallBar(not args.quiet, replications * len(scenarios), "compare")

    def progress(index, total, result, seconds):
        """Report on stderr that scenario ``index`` of ``total`` finished, and in how many seconds."""
        bar.write(f"  [{index + 1}/{total}] {result.scenario.name}: {seconds:.1f} s")

    try:
        results = compare(scenarios, replications=replications, seed=seed, workers=args.workers,
                          progress=progress, replication_progress=bar.update, **backend(args))
    finally:
        bar.close()
    summary = save_compare(results, out, formats=formats, force=args.force, question=asked)
    report_kept(args, out, foreign)
    return finish(args, json_text(summary), lambda: compare_text(results), out)


def cmd_sweep(args) -> int:
    """``sim sweep``: validate every point, run them (resumable by the journal), write the folder, print the table."""
    check_counts(args)
    formats = chart_formats(args.format)
    path = Path(args.scenario)
    if not args.set:
        raise UsageError("sweep needs at least one --set KEY=VALUES (e.g. --set assumptions.fulfilment=0.2:1.0:0.2)")
    grid = parse_grid(args.set)
    scenario = load(path)
    variants = sweep_variants(scenario, grid)  # every point validated before anything runs
    asked = question("sweep", [path], args.set)
    out, foreign = output_folder(args, default_output(path, args.set, "-sweep"), asked)
    replications, seed = defaults(scenario, args.replications, args.seed)
    say(args, f"sweep {scenario.name}: {len(variants)} points x {replications:,} replications, seed {seed} "
               f"(common random numbers)")

    # finished points go to a journal beside the output, so that an interrupted sweep can go on
    journal_file, entries = open_journal(out, args.resume)
    if args.resume:
        say(args, f"  resuming: {entries} finished points in {journal_file}")

    bar = OverallBar(not args.quiet, replications * len(variants), "sweep")

    def progress(index, total, row, seconds):
        """Report on stderr a finished point: its values, P(reach authorized by end), median at end, time taken."""
        point = ", ".join(f"{k}={key_value_text(k, row[k])}" for k in grid)
        if seconds is None:  # from the journal: its replications count as done
            bar.update(replications)
        took = "from the journal" if seconds is None else f"{seconds:.1f} s"
        bar.write(f"  [{index + 1}/{total}] {point}: P(reach authorized by end) "
                  f"{percent_text(row['p_reach_authorized_end'])}, median at end {count_text(row['total_p50_end'])} "
                  f"({took})")

    curves: list = []
    try:
        rows = sweep(scenario, grid, replications=replications, seed=seed, workers=args.workers,
                     progress=progress, journal=journal_file, curves=curves, replication_progress=bar.update,
                     **backend(args))
        bar.close()
        summary = save_sweep(scenario, grid, rows, replications, seed, out, formats=formats, force=args.force,
                             curves=curves, question=asked)
    except BaseException as error:
        bar.close()
        return stopped(args, error, journal_file, total=len(variants))  # says what went wrong (SystemExit goes on)
    journal_file.unlink(missing_ok=True)
    report_kept(args, out, foreign)
    return finish(args, json_text(summary), lambda: sweep_text(grid, rows), out)


def cmd_backtest(args) -> int:
    """``sim backtest``: run a scenario, score it against the observed CSV, write the folder (2: bad observations)."""
    check_counts(args)
    formats = chart_formats(args.format)
    path = Path(args.scenario)
    scenario = load_scenario(path, parse_sets(args.set))
    try:
        observations, warnings = check_observations(scenario, read_observations(args.observed))
    except ObservationError as error:  # FILE:LINE: message, as validate prints problems
        print(error, file=sys.stderr)
        return BAD_INPUT
    for warning in warnings:  # a country this scenario lacks: that figure is left out, the others scored
        print(f"sim backtest: warning: {warning}", file=sys.stderr)
    if not observations:  # nothing to score: a folder of empty scores would look like an answer
        print(f"{args.observed}: no observation to score against {scenario.name!r}"
              + (" (every row was left out: see the warnings above)" if warnings else ""), file=sys.stderr)
        return BAD_INPUT
    asked = question("backtest", [path], args.set, "--observed", str(Path(args.observed).resolve()))
    out, foreign = output_folder(args, default_output(path, args.set, "-backtest"), asked)
    result = run(scenario, replications=args.replications, seed=args.seed, workers=args.workers,
                 progress=not args.quiet, arrivals=arrivals_needed(observations), **backend(args))
    scores = backtest(result, observations)
    if warnings:
        scores["warnings"] = warnings
    save_backtest(result, observations, scores, out, formats=formats, force=args.force, question=asked)
    report_kept(args, out, foreign)
    return finish(args, json_text(scores), lambda: backtest_text(scores), out)
