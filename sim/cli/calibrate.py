"""``sim calibrate``: fit a scenario's keys to reported figures, write the posterior, the calibrated scenario and its
predictive (docs/design.md section 5). Everything is checked before anything runs; finished generations are kept in
a journal beside the output folder, so that ``--resume`` goes on after an interruption."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from ..analysis.abc import STOPS, Generation, Options
from ..analysis.calibration import calibrate
from ..analysis.distance import check_kinds
from ..analysis.journal import open_journal
from ..analysis.observations import ObservationError, check_observations, read_observations
from ..errors import BAD_INPUT
from ..runner import OverallBar
from ..scenario import load
from ..text import count_text, json_text, percent_text, plural, significant_text
from .failures import stopped
from .options import (
    UsageError, backend, chart_formats, check_counts, default_output, finish, output_folder, parse_varies,
    question, report_kept, say,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str, option: str) -> dt.date:
    """A ``YYYY-MM-DD`` date of an option; UsageError otherwise."""
    try:
        if not _DATE.match(text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} takes a date like 2024-09-30, got {text!r}") from None


def options_of(args) -> Options:
    """The fit's options from the command line (checked)."""
    return Options(particles=args.particles, alpha=args.alpha, min_acceptance=args.min_acceptance,
                   generations=args.generations, simulations=args.simulations).checked()


def cmd_calibrate(args) -> int:
    """``sim calibrate``: check everything, fit (resumable by the journal), write the folder, print the summary."""
    check_counts(args)
    formats = chart_formats(args.format)
    path = Path(args.scenario)
    fit = parse_varies(args.fit, "--fit")
    until = parse_date(args.until, "--until") if args.until else None
    rolling = [parse_date(item, "--rolling") for item in (args.rolling or "").split(",") if item.strip()]
    if args.rolling is not None and not rolling:
        raise UsageError("--rolling takes dates separated by commas, e.g. 2024-08-01,2024-09-01")
    options = options_of(args)
    scenario = load(path)
    try:
        observations = read_observations(args.observed)
        check_kinds(observations)
        warnings = check_observations(scenario, observations)[1]
    except ObservationError as error:  # FILE:LINE: message, as validate prints problems
        print(error, file=sys.stderr)
        return BAD_INPUT
    for warning in warnings:  # the figures a fit leaves out: the others are fitted
        print(f"sim calibrate: warning: {warning}", file=sys.stderr)
    items = [f"fit {item.strip()}" for item in args.fit or []]
    more = ["--observed", str(Path(args.observed).resolve())] + ([f"--until {until}"] if until else [])
    more += [f"--{item}" for item in items] + ([f"--rolling {','.join(map(str, rolling))}"] if rolling else [])
    asked = question("calibrate", [path], None, *more)
    out, foreign = output_folder(args, default_output(path, items + ([f"until {until}"] if until else []),
                                                      "-calibrate"), asked)
    journal_file, entries = open_journal(out, args.resume)
    if args.resume:
        say(args, f"  resuming: {plural(entries, 'journal entry', 'journal entries')} in {journal_file}")
    bar = OverallBar(not args.quiet, None, "calibrate")

    def report(label: str, event) -> None:
        """A line on stderr per finished generation and per stop."""
        if isinstance(event, Generation):
            tolerance = "prior" if event.tolerance is None else f"tolerance {significant_text(event.tolerance)}"
            bar.write(f"  [{label}] generation {event.number}: {tolerance}, acceptance "
                      f"{percent_text(event.acceptance, 0)} ({count_text(event.accepted)} of "
                      f"{count_text(event.simulated)}), ESS {count_text(event.ess)}")
        else:
            bar.write(f"  [{label}] stopped: {STOPS[event['reason']]} ({count_text(event['simulated'])} replications)")

    try:
        result = calibrate(scenario, observations, fit=fit or None, until=until, particles=args.particles,
                           seed=args.seed, replications=args.replications, options=options, rolling=rolling,
                           workers=args.workers, journal=journal_file, report=report, progress=bar.update,
                           observed_file=args.observed, **backend(args))
        bar.close()
        result.save(out, formats=formats, force=args.force, question=asked)
    except BaseException as error:
        bar.close()
        return stopped(args, error, journal_file, "finished generation")  # says what went wrong (SystemExit goes on)
    journal_file.unlink(missing_ok=True)
    report_kept(args, out, foreign)
    return finish(args, json_text(result.summary()), result.text, out)


def add_calibrate(command, run_options) -> None:
    """The ``calibrate`` command and its options (``command(name, help)`` makes a subcommand)."""
    parser = command("calibrate", "Fit a scenario's assumptions to reported figures (ABC-SMC) and project from them.")
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    parser.add_argument("--observed", required=True, metavar="FILE.csv",
                        help="observations: CSV with header date,series,value[,source][,kind][,relative_error] "
                             "(as for sim backtest)")
    parser.add_argument("--until", metavar="DATE", help="fit the observations dated up to DATE (default: all); "
                                                        "those after it are scored out of sample")
    parser.add_argument("--fit", action="append", metavar="KEY=PRIOR",
                        help="a key to fit and its prior, a distribution table as in scenario files (repeatable; "
                             "default: the scenario's [calibration] table)")
    parser.add_argument("-n", "--particles", type=int, default=1000, help="particles per generation (default 1000)")
    parser.add_argument("--replications", type=int,
                        help="replications of the posterior predictive (default: the scenario's)")
    parser.add_argument("--generations", type=int, default=8,
                        help="most generations, the prior's included (default 8)")
    parser.add_argument("--min-acceptance", type=float, default=0.02,
                        help="stop when a generation's acceptance rate would fall below this (default 0.02)")
    parser.add_argument("--alpha", type=float, default=0.5,
                        help="each tolerance is this quantile of the previous generation's distances (default 0.5)")
    parser.add_argument("--simulations", type=int, default=100_000,
                        help="most replications simulated by the fit, in all (default 100,000)")
    parser.add_argument("--rolling", metavar="DATE,DATE,...",
                        help="also fit up to each date and score the observations after it (rolling.csv)")
    run_options(parser, "results/<scenario file name>[+<--fit items>]-calibrate", "calibration.json",
                "no progress, no summary", replications=False)
    parser.add_argument("--resume", action="store_true",
                        help="go on with an interrupted fit: generations in DIR.journal.jsonl are not run again")
    parser.set_defaults(handler=cmd_calibrate)
