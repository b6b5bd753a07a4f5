"""The ``sim`` command line. It knows files and arguments; the model lives elsewhere.

Exit codes: 0 success, 2 bad input (usage, scenario, files), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import tomllib
from pathlib import Path

from . import facts as factbase
from .output import OutputError
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
    scenario = load(path)
    return scenario.with_overrides(overrides) if overrides else scenario


# --------------------------------------------------------------------------- commands


def cmd_run(args) -> int:
    from .runner import run

    path = Path(args.scenario) if args.scenario else default_scenario()
    scenario = load_scenario(path, parse_sets(args.set))
    out = Path(args.output) if args.output else Path("results") / path.stem
    from .output import check_target

    check_target(out, args.force)
    result = run(
        scenario, replications=args.replications, seed=args.seed, workers=args.workers,
        progress=not args.quiet, keep_replications=args.keep_replications,
    )
    result.save(out, formats=tuple(args.format.split(",")), force=args.force)
    if args.json:
        print(result.summary_json(), end="")
    elif not args.quiet:
        print(result.text())
        print(f"  wrote {out}/")
    return 0


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


# --------------------------------------------------------------------------- parser

EXAMPLES = {
    "run": """examples:
  sim run                                   # scenarios/baseline.toml into results/baseline/
  sim run scenarios/partial_pledges.toml -n 5000 --seed 7 -o results/partial
  sim run scenarios/baseline.toml --set assumptions.fulfilment=0.5 --set contingent.Kenya.tour_days=180""",
    "validate": """examples:
  sim validate scenarios/*.toml
  sim validate --schema > scenario.schema.json""",
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

    run = command("run", "Run a scenario's Monte Carlo replications and write its curves, summary and charts.")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: scenarios/baseline.toml)")
    run.add_argument("-n", "--replications", type=int, help="number of replications (default: the scenario's)")
    run.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    run.add_argument("--workers", type=int, help="worker processes (default: CPU count)")
    run.add_argument("-o", "--output", help="output folder (default: results/<scenario file name>)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario value (repeatable)")
    run.add_argument("--format", default="png", help="chart formats, comma-separated: png,svg (default png)")
    run.add_argument("--keep-replications", action="store_true", help="also save every daily curve to replications.npz")
    run.add_argument("--json", action="store_true", help="print summary.json on stdout instead of the text summary")
    run.add_argument("--force", action="store_true", help="replace a non-empty output folder mss-sim did not write")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    run.set_defaults(handler=cmd_run)

    validate = command("validate", "Check scenario files; print every problem as FILE:LINE: key.path: message.")
    validate.add_argument("files", nargs="*", metavar="FILE")
    validate.add_argument("--schema", action="store_true", help="print a JSON Schema of scenario files for editors")
    validate.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    validate.set_defaults(handler=cmd_validate)

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
    except (UsageError, OutputError, factbase.FactError) as error:
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
