"""The design commands: ``sensitivity`` (which assumption matters) and ``discover`` (which combinations lead
to an outcome). Both check every key, range, outcome and option before anything runs, keep finished points
in a journal beside the output folder for ``--resume``, and write their folder atomically."""

from __future__ import annotations

from pathlib import Path

from ..analysis.designs import check_size, prepare
from ..analysis.discovery import check_points, check_threshold, discover
from ..analysis.indices import check_method, design_size, salib
from ..analysis.journal import open_journal
from ..analysis.outcomes import parse_condition
from ..analysis.ranges import parse_vary
from ..analysis.sensitivity import sensitivity
from ..scenario import load
from ..text import json_text, plural
from .failures import stopped
from .options import UsageError, backend, chart_formats, check_counts, default_output, finish, output_folder, question, \
    report_kept, say


def _journal(args, out: Path) -> Path:
    """The journal beside ``out``: kept with --resume (and its finished points said), else deleted."""
    journal, entries = open_journal(out, args.resume)
    if args.resume:
        say(args, f"  resuming: {plural(entries, 'finished point')} in {journal}")
    return journal


def _inputs(args):
    """The scenario, ranges, outcomes, replications and seed, all checked (nothing has run)."""
    check_counts(args)
    if not args.vary:
        raise UsageError(f"{args.command} needs at least one --vary KEY=LOW:HIGH (e.g. --vary assumptions.tour_days=180:365)")
    vary = parse_vary(args.vary)
    path = Path(args.scenario)
    return path, vary, load(path)


def cmd_sensitivity(args) -> int:
    """``sim sensitivity``: check everything, run the design (resumable), write the folder, print the indices."""
    path, vary, scenario = _inputs(args)
    formats = chart_formats(args.format)
    scenario, ranges, outcomes, replications, seed = prepare(scenario, vary, args.outcome or (), args.replications,
                                                             args.seed)
    samples = check_method(args.method, args.samples)
    points = design_size(args.method, samples, len(ranges))
    check_size(points)
    salib()
    asked = question("sensitivity", [path], None, *[f"--vary {item.strip()}" for item in args.vary],
                     f"--method {args.method}", *[f"--outcome {o}" for o in args.outcome or ()])
    out, foreign = output_folder(args, default_output(path, args.vary, f"-{args.method}"), asked)
    say(args, f"sensitivity {scenario.name}: {args.method} design of {points:,} points x {replications:,} replications, "
              f"seed {seed} (common random numbers)")
    journal = _journal(args, out)
    try:
        result = sensitivity(scenario, ranges, method=args.method, samples=samples, replications=replications,
                             seed=seed, outputs=args.outcome or (), workers=args.workers, progress=not args.quiet,
                             journal=journal, **backend(args))
        summary = result.save(out, formats=formats, force=args.force, question=asked)
    except BaseException as error:
        return stopped(args, error, journal, total=points)
    journal.unlink(missing_ok=True)
    report_kept(args, out, foreign)
    return finish(args, json_text(summary), result.text, out)


def cmd_discover(args) -> int:
    """``sim discover``: check everything, run the design (resumable), find the boxes, write the folder."""
    path, vary, scenario = _inputs(args)
    formats = chart_formats(args.format)
    condition = parse_condition(scenario, args.when)
    outputs = [*(args.outcome or ()), condition.outcome.name]
    scenario, ranges, outcomes, replications, seed = prepare(scenario, vary, outputs, args.replications, args.seed)
    check_threshold(args.threshold)
    samples = check_points(args.samples)
    salib()
    asked = question("discover", [path], None, *[f"--vary {item.strip()}" for item in args.vary],
                     f"--when {condition.text}", *[f"--outcome {o}" for o in args.outcome or ()])
    out, foreign = output_folder(args, default_output(path, [*args.vary, condition.text], "-discover"), asked)
    say(args, f"discover {scenario.name}: {samples:,} points x {replications:,} replications, seed {seed} "
              f"(common random numbers), where {condition.text}")
    journal = _journal(args, out)
    try:
        result = discover(scenario, ranges, condition, samples=samples, threshold=args.threshold,
                          replications=replications, seed=seed, outputs=args.outcome or (), workers=args.workers,
                          progress=not args.quiet, journal=journal, **backend(args))
        summary = result.save(out, formats=formats, force=args.force, question=asked)
    except BaseException as error:
        return stopped(args, error, journal, total=samples)
    journal.unlink(missing_ok=True)
    report_kept(args, out, foreign)
    return finish(args, json_text(summary), result.text, out)
