"""The ``sim`` command line. It knows files and arguments; the model lives elsewhere.

Exit codes: 0 success, 2 bad input (usage, scenario, files), 1 anything else.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import textwrap
import tomllib
from pathlib import Path

from . import facts as factbase
from .output import OutputError
from .runner import BACKENDS, BackendError
from .scenario import Problem, Scenario, ScenarioError, load

BAD_INPUT = 2


class UsageError(Exception):
    """Bad arguments found after parsing (exit 2)."""


def default_scenario() -> Path:
    """``scenarios/baseline.toml`` in the current folder, else the one shipped beside the package."""
    here = Path("scenarios/baseline.toml")
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


def default_output(path: Path, sets: list[str] | None = None, suffix: str = "") -> Path:
    """``results/<file name><suffix>``; with ``--set``, ``results/<file name>+<the overrides><suffix>``.

    So a variant never replaces the run of the scenario as written. The overrides are spelled as
    given, characters awkward in file names made ``_``; a long list is cut and ends in a hash of it.
    """
    name = path.stem
    if sets:
        items = [item.strip() for item in sets]
        slug = "+".join(re.sub(r"[^A-Za-z0-9._=,-]+", "_", item) for item in items)
        if len(slug) > 60:
            digest = hashlib.sha256("\n".join(items).encode()).hexdigest()[:8]
            slug = f"{slug[:50]}-{digest}"
        name = f"{name}+{slug}"
    return Path("results") / f"{name}{suffix}"


def parse_value(text: str):
    """A command-line value as TOML would read it (number, boolean, date, table), else the string itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set needs KEY=VALUE, got {item!r}")
        out[key.strip()] = parse_value(value.strip())
    return out


def load_scenario(path: str | Path, overrides: dict | None = None) -> Scenario:
    """The scenario file with the --set overrides applied; an override's own problems name --set."""
    scenario = load(path)
    if not overrides:
        return scenario
    try:
        return scenario.with_overrides(overrides)
    except ScenarioError as error:
        raise ScenarioError([Problem("--set", None, p.path, p.message) if p.file == "override" else p
                             for p in error.problems]) from None


# --------------------------------------------------------------------------- commands


def cmd_run(args) -> int:
    from .output import check_target
    from .runner import run

    _check_counts(args)
    formats = _formats(args.format)
    path = Path(args.scenario) if args.scenario else default_scenario()
    scenario = load_scenario(path, parse_sets(args.set))
    out = Path(args.output) if args.output else default_output(path, args.set)
    check_target(out, args.force)
    result = run(
        scenario, replications=args.replications, seed=args.seed, workers=args.workers,
        progress=not args.quiet, keep_replications=args.keep_replications, **_backend(args),
    )
    result.save(out, formats=formats, force=args.force)
    return _report(args, result.summary_json(), result.text, out)


def cmd_validate(args) -> int:
    if args.schema:
        from .schema import json_schema

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
        if not args.quiet:
            print(
                f"ok  {name}: {scenario.name!r}, {len(scenario.contingents)} contingents, "
                f"{len(scenario.mandates)} mandates, {len(scenario.facts_used)} facts, hash {scenario.hash[:12]}"
            )
    return BAD_INPUT if bad else 0


def cmd_facts(args) -> int:
    base = factbase.load_facts(Path(args.facts) if args.facts else None)
    if args.check is None:
        print(base.table())
        if base.conflicts:
            print(f"\n{len(base.conflicts)} conflicts between sources:")
            for conflict in base.conflicts:
                print(textwrap.fill(f"{', '.join(conflict.facts)}: {conflict.note}", 110, initial_indent="  - ",
                                    subsequent_indent="    "))
        return 0
    folder = Path(args.check) if args.check else factbase.default_articles_dir()
    if folder is None or not folder.is_dir():
        raise UsageError(f"no articles folder {folder or '../shared/seeds'}; give one: sim facts --check DIR")
    problems = factbase.check_quotes(base, folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} of {len(base.facts)} facts not found in {folder}", file=sys.stderr)
        return 1
    print(f"all {len(base.facts)} facts verified against {folder}")
    return 0


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in ("png", "svg")]
    if bad or not formats:
        raise UsageError(f"--format takes png, svg or png,svg; got {text!r}")
    return formats


def _check_counts(args) -> None:
    """-n, --seed and --workers checked before anything runs (run() would refuse them only later)."""
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"-n/--replications must be at least 1, got {args.replications}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")


def _backend(args) -> dict:
    """--backend and --scheduler, checked before anything runs."""
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    return {"backend": args.backend, "scheduler": args.scheduler}


def _report(args, machine: str, human, out: Path) -> int:
    """The end of a command: with --json only ``machine`` on stdout; else ``human()`` and where it wrote, unless --quiet."""
    if args.json:
        print(machine, end="" if machine.endswith("\n") else "\n")
    elif not args.quiet:
        print(human())
        print(f"  wrote {out}/")
    return 0


def _say(args, text: str) -> None:
    """Progress lines: on stderr, never with --quiet (stdout stays for results and --json)."""
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def cmd_compare(args) -> int:
    from . import analysis
    from .output import check_target

    _check_counts(args)
    formats = _formats(args.format)
    scenarios = [load(name) for name in args.scenarios]  # every file is checked before anything runs
    out = Path(args.output) if args.output else Path("results") / "compare"
    check_target(out, args.force)
    seed = scenarios[0].seed if args.seed is None else args.seed
    replications = scenarios[0].replications if args.replications is None else args.replications
    _say(args, f"compare: {len(scenarios)} scenario(s), {replications:,} replications each, seed {seed} "
               f"(common random numbers)")

    def progress(index, total, result, seconds):
        _say(args, f"  [{index + 1}/{total}] {result.scenario.name}: {seconds:.1f} s")

    results = analysis.compare(scenarios, replications=replications, seed=seed, workers=args.workers,
                               progress=progress, **_backend(args))
    summary = analysis.save_compare(results, out, formats=formats, force=args.force)
    return _report(args, json.dumps(summary, indent=2, ensure_ascii=False), lambda: analysis.compare_text(results), out)


def cmd_sweep(args) -> int:
    from . import analysis
    from .output import check_target

    _check_counts(args)
    formats = _formats(args.format)
    path = Path(args.scenario)
    if not args.set:
        raise UsageError("sweep needs at least one --set KEY=VALUES (e.g. --set assumptions.fulfilment=0.2:1.0:0.2)")
    grid = analysis.parse_grid(args.set)
    scenario = load(path)
    variants = analysis.sweep_variants(scenario, grid)  # every point validated before anything runs
    out = Path(args.output) if args.output else default_output(path, suffix="-sweep")
    check_target(out, args.force)
    seed = scenario.seed if args.seed is None else args.seed
    replications = scenario.replications if args.replications is None else args.replications
    _say(args, f"sweep {scenario.name}: {len(variants)} points x {replications:,} replications, seed {seed} "
               f"(common random numbers)")

    # finished points go to a journal beside the output, so that an interrupted sweep can go on
    journal = out.with_name(out.name + ".journal.jsonl")
    if args.resume:
        _say(args, f"  resuming: {len(analysis.read_journal(journal))} finished points in {journal}")
    else:
        journal.unlink(missing_ok=True)

    def progress(index, total, row, seconds):
        point = ", ".join(f"{k}={analysis.value_text(row[k])}" for k in grid)
        took = "from the journal" if seconds is None else f"{seconds:.1f} s"
        _say(args, f"  [{index + 1}/{total}] {point}: P(reach authorized by end) "
                   f"{100 * row['p_reach_authorized_end']:.1f}%, median at end {row['total_p50_end']:,.0f} ({took})")

    try:
        rows = analysis.sweep(scenario, grid, replications=replications, seed=seed, workers=args.workers,
                              progress=progress, journal=journal, **_backend(args))
    except BaseException as error:
        kept = len(analysis.read_journal(journal))
        if isinstance(error, KeyboardInterrupt):
            print("sim sweep: interrupted; no output was written", file=sys.stderr)
        if kept:
            print(f"sim sweep: {kept} finished point{'s are' if kept > 1 else ' is'} kept in {journal}; "
                  "the same command with --resume runs only the others", file=sys.stderr)
        if isinstance(error, KeyboardInterrupt):
            return 1
        raise
    summary = analysis.save_sweep(scenario, grid, rows, replications, seed, out, formats=formats, force=args.force)
    journal.unlink(missing_ok=True)
    return _report(args, json.dumps(summary, indent=2, ensure_ascii=False), lambda: analysis.sweep_text(grid, rows), out)


def cmd_backtest(args) -> int:
    from . import analysis
    from .output import check_target
    from .runner import run

    _check_counts(args)
    formats = _formats(args.format)
    path = Path(args.scenario)
    scenario = load_scenario(path, parse_sets(args.set))
    try:
        observations = analysis.read_observations(args.observed)
        analysis.check_observations(scenario, observations)
    except analysis.ObservationError as error:  # FILE:LINE: message, as validate prints problems
        print(error, file=sys.stderr)
        return BAD_INPUT
    out = Path(args.output) if args.output else default_output(path, args.set, "-backtest")
    check_target(out, args.force)
    result = run(scenario, replications=args.replications, seed=args.seed, workers=args.workers,
                 progress=not args.quiet, **_backend(args))
    report = analysis.backtest(result, observations)
    analysis.save_backtest(result, observations, report, out, formats=formats, force=args.force)
    return _report(args, json.dumps(report, indent=2, ensure_ascii=False), lambda: analysis.backtest_text(report), out)


# --------------------------------------------------------------------------- parser

EXAMPLES = {
    "run": """examples:
  sim run                                   # scenarios/baseline.toml into results/baseline/
  sim run scenarios/partial_pledges.toml -n 5000 --seed 7 -o results/partial
  sim run --set assumptions.fulfilment=0.5  # into results/baseline+assumptions.fulfilment=0.5/
  sim run scenarios/baseline.toml --set assumptions.fulfilment=0.5 --set contingent.Kenya.tour_days=180""",
    "validate": """examples:
  sim validate scenarios/*.toml
  sim validate --schema > scenario.schema.json""",
    "compare": """examples:
  sim compare scenarios/announced.toml scenarios/baseline.toml scenarios/partial_pledges.toml
  sim compare scenarios/baseline.toml scenarios/kenya_only.toml -n 5000 --seed 7 -o results/kenya
  sim compare scenarios/*.toml --json > compare.json      # machine-readable summary on stdout

Every scenario runs with the same seed (default: the first scenario's) and replication
count: common random numbers, so differences come from the scenarios, not from sampling.
Statistics are taken at the first scenario's mandate deadlines and at each run's end.""",
    "sweep": """examples:
  sim sweep scenarios/baseline.toml --set assumptions.fulfilment=0.2:1.0:0.2
  sim sweep scenarios/baseline.toml --set contingent.Kenya.fulfilment=0.5,0.7,0.9 \\
            --set mandate.1.renewal_probability=0.5,0.85,1.0 -n 2000
  sim sweep scenarios/baseline.toml --set "funding.pledge.United States.fulfilment=0.25:1:0.25" --json

VALUES is a comma list (0.2,0.5,0.8) or a range start:stop:step that includes stop
(0.1:1.0:0.1 gives 10 values). Several --set make a grid, the first key varying slowest.
Every point runs with the same seed (common random numbers). Finished points are kept in
DIR.journal.jsonl until the sweep is written: after Ctrl-C or a failure, the same command with
--resume runs only the points that are missing, and writes what an uninterrupted sweep would.""",
    "backtest": """examples:
  sim backtest scenarios/baseline.toml --observed seeds/observed.csv
  sim backtest scenarios/partial_pledges.toml --observed seeds/observed.csv -n 5000 --json

The observed file is CSV with the header date,series,value[,source]; series is "total"
or a country of the scenario, dates within the run. For each observation: its mid-rank
percentile in the projected distribution, whether it lies in the 50% and 90% bands, the
error of the median and its CRPS; overall: coverage, mean absolute error, mean CRPS.""",
    "facts": """examples:
  sim facts                      # the fact base as a table
  sim facts --check              # verify every quote against ../shared/seeds
  sim facts --check path/to/articles""",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on usage errors: keep that, with a hint
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="sim",
        description="mss-sim: Monte Carlo projections of force deployment and funding for multinational security missions.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'sim COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"mss-sim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str):
        return commands.add_parser(name, help=help, description=help, epilog=EXAMPLES[name],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    def run_options(parser, output: str, printed: str, quiet: str, each: str = "", every: str = "the scenario's"):
        """The options shared by the commands that run replications."""
        parser.add_argument("-n", "--replications", type=int, help=f"replications{each} (default: {every})")
        parser.add_argument("--seed", type=int, help=f"seed{each} (default: {every})")
        parser.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
        parser.add_argument("--backend", choices=BACKENDS, default="local",
                            help="where replications run: local processes (default) or a Dask cluster")
        parser.add_argument("--scheduler", metavar="ADDRESS",
                            help="Dask scheduler (tcp://host:8786); without it --backend dask starts a local cluster")
        parser.add_argument("-o", "--output", help=f"output folder (default: {output})")
        parser.add_argument("--format", default="png", help="chart formats, comma-separated: png,svg (default png)")
        parser.add_argument("--json", action="store_true", help=f"print {printed} on stdout instead of the text")
        parser.add_argument("--force", action="store_true", help="replace a non-empty output folder mss-sim did not write")
        parser.add_argument("-q", "--quiet", action="store_true", help=quiet)

    def overrides(parser):
        parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario value (repeatable)")

    run = command("run", "Run a scenario's Monte Carlo replications and write its curves, summary and charts.")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: scenarios/baseline.toml)")
    run_options(run, "results/<scenario file name>[+<--set overrides>]", "summary.json", "no progress bar, no summary")
    overrides(run)
    run.add_argument("--keep-replications", action="store_true", help="also save every daily curve to replications.npz")
    run.set_defaults(handler=cmd_run)

    validate = command("validate", "Check scenario files; print every problem as FILE:LINE: key.path: message.")
    validate.add_argument("files", nargs="*", metavar="FILE")
    validate.add_argument("--schema", action="store_true", help="print a JSON Schema of scenario files for editors")
    validate.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    validate.set_defaults(handler=cmd_validate)

    compare = command("compare", "Run several scenarios with common random numbers and tabulate their differences.")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files")
    run_options(compare, "results/compare", "compare.json", "no progress, no table",
                each=" of every run", every="the first scenario's")
    compare.set_defaults(handler=cmd_compare)

    sweep = command("sweep", "Run a scenario over a grid of assumption values and chart the headline against them.")
    sweep.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    sweep.add_argument("--set", action="append", metavar="KEY=VALUES",
                       help="a dotted key and its values: a,b,c or start:stop:step (repeat for a grid)")
    run_options(sweep, "results/<scenario file name>-sweep", "sweep.json", "no progress lines, no table",
                each=" of every point")
    sweep.add_argument("--resume", action="store_true",
                       help="go on with an interrupted sweep: points already in DIR.journal.jsonl are not run again")
    sweep.set_defaults(handler=cmd_sweep)

    backtest = command("backtest", "Score a scenario's projections against figures reported on given dates.")
    backtest.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    backtest.add_argument("--observed", required=True, metavar="FILE.csv",
                          help="observations: CSV with header date,series,value[,source]")
    run_options(backtest, "results/<scenario file name>[+<--set overrides>]-backtest", "backtest.json", "no progress bar, no table")
    overrides(backtest)
    backtest.set_defaults(handler=cmd_backtest)

    facts = command("facts", "Show the fact base, or check every quote against the articles.")
    facts.add_argument("--check", nargs="?", const="", metavar="DIR", help="verify quotes (default DIR: ../shared/seeds)")
    facts.add_argument("--facts", metavar="FILE", help="fact base file (default: seeds/facts.toml)")
    facts.set_defaults(handler=cmd_facts)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return BAD_INPUT
    try:
        return args.handler(args)
    except ScenarioError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return BAD_INPUT
    except (UsageError, OutputError, factbase.FactError, BackendError) as error:
        print(f"sim {args.command}: error: {error}", file=sys.stderr)
        return BAD_INPUT
    except ValueError as error:
        print(f"sim {args.command}: error: {error}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:  # `sim facts | head`: the reader has gone, which is fine
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print(f"sim {args.command}: interrupted; no output was written", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        print(f"sim {args.command}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        print("  please report it with the scenario file; run with python -X dev -m sim for details", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
