"""The ``sim`` argument parser: commands, options and the examples each ``--help`` shows."""

from __future__ import annotations

import argparse
import sys

from ..runner import BACKENDS
from ..text import did_you_mean
from ..version import __version__
from .calibrate import add_calibrate
from .commands import cmd_backtest, cmd_compare, cmd_facts, cmd_run, cmd_sweep, cmd_validate
from .designs import cmd_discover, cmd_sensitivity
from ..errors import BAD_INPUT


EXAMPLES = {
    "run": """examples:
  sim run                                   # scenarios/baseline.toml into results/baseline/
  sim run scenarios/partial_pledges.toml -n 5000 --seed 7 -o results/partial
  sim run --set assumptions.fulfilment=0.5  # into results/baseline+assumptions.fulfilment=0.5/
  sim run scenarios/baseline.toml --set assumptions.fulfilment=0.5 --set contingent.Kenya.tour_days=180
  sim run my_variant.toml --format png,svg,pdf   # a file of yours that says: extends = "baseline"
  sim run --vary 'contingent.Kenya.fulfilment={dist="uniform", low=0.5, high=1}' --keep-draws
  sim run --vary 'assumptions.slip_days.median={dist="uniform", low=20, high=120}' -n 5000
  sim run --params posterior.csv            # replication r takes row r mod rows of the table

Every folder holds report.html (the page to read and share), the CSVs and the charts.
Ctrl-C stops the run and writes nothing (exit code 130).""",
    "validate": """examples:
  sim validate scenarios/*.toml
  sim validate --schema > scenario.schema.json""",
    "compare": """examples:
  sim compare scenarios/announced.toml scenarios/baseline.toml scenarios/partial_pledges.toml
      # into results/compare-announced+baseline+partial_pledges/
  sim compare scenarios/baseline.toml scenarios/kenya_only.toml -n 5000 --seed 7 -o results/kenya
  sim compare scenarios/*.toml --json > compare.json      # machine-readable summary on stdout

Every scenario runs with the same seed (default: the first scenario's) and replication
count: common random numbers, so differences come from the scenarios, not from sampling.
Statistics are taken at the first scenario's mandate deadlines and at each run's end.""",
    "sweep": """examples:
  sim sweep scenarios/baseline.toml --set assumptions.fulfilment=0.2:1.0:0.2
      # into results/baseline+assumptions.fulfilment=0.2_1.0_0.2-sweep/
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

The observed file is CSV with the header date,series,value[,source][,kind][,relative_error];
dates within the run. series: "total" or a country of the scenario (strength on the ground),
or arrived:COUNTRY, arrived:total, arrived (officers who have ever arrived, reliefs included);
a country the scenario lacks is left out with a warning. kind: exact (default), approx (with
relative_error, e.g. 0.05 or 5%), at_least, at_most. For each observation: the mid-rank
percentile of the values it allows in the projected distribution, whether they meet the 50%
and 90% bands, the error of the median and its CRPS (README: "Backtest against reported
figures"); overall: coverage, mean absolute error, mean CRPS.""",
    "sensitivity": """examples:
  sim sensitivity scenarios/baseline.toml --vary contingent.Kenya.slip_days.median=20:120 \\
        --vary correlation.fulfilment=0:1 --vary "mandate.Renewal 2025.renewal_probability=0.5:1"
      # into results/baseline+<the --vary items>-sobol/
  sim sensitivity scenarios/baseline.toml --vary assumptions.tour_days=180:365 --vary funding.runway_days=0:180 \\
        --method morris --samples 10 -n 100

Sobol: --samples N (a power of 2, default 64) gives N x (2 keys + 2) points; Morris: N trajectories
(default 20) give N x (keys + 1). Every point runs -n replications (default 200) with the same seed:
common random numbers. Outcomes: strength@<deadline> and @end (median), p_reach_authorized@ each,
p_deficit; add others with --outcome (mean_strength@end, p_reach_target@2025-06-30, p_lapse@end).
After Ctrl-C, the same command with --resume runs only the points that are missing.""",
    "discover": """examples:
  sim discover scenarios/baseline.toml --vary contingent.Kenya.slip_days.median=20:120 \\
        --vary "mandate.Renewal 2025.renewal_probability=0.5:1" --when 'strength@end >= 1500'
  sim discover scenarios/baseline.toml --vary correlation.fulfilment=0:1 --vary assumptions.tour_days=180:365 \\
        --when 'p_reach_authorized@Renewal 2025 >= 0.1' --samples 512 --threshold 0.7

--when is OUTCOME OP NUMBER (OP one of >=, <=, >, <, ==, !=). The points are a scrambled Sobol'
sequence over the ranges (--samples, a power of 2, default 256), each run with -n replications
(default 200). PRIM peels the ranges to boxes where the points meeting the condition are dense
(--threshold, default 0.8), and writes boxes.csv, peeling.png and boxes.png.""",
    "calibrate": """examples:
  sim calibrate scenarios/baseline.toml --observed seeds/observed.csv      # the keys of its [calibration] table
  sim calibrate scenarios/baseline.toml --observed reported.csv --until 2024-09-30 -n 2000
  sim calibrate scenarios/baseline.toml --observed reported.csv \
      --fit 'contingent.Kenya.slip_days.median={dist="uniform", low=7, high=180}'
  sim calibrate scenarios/baseline.toml --observed reported.csv --rolling 2024-08-01,2024-09-01
  sim run results/baseline-calibrate/calibrated.toml   # the posterior predictive again, byte for byte

Fits the keys by approximate Bayesian computation (sequential Monte Carlo) to the observations
dated up to --until, then runs the posterior predictive. Writes posterior.csv, calibrated.toml,
strength.csv, funding.csv, calibration.json, calibration.png, report.html and sources.csv.
Finished generations are kept in DIR.journal.jsonl until the folder is written: after Ctrl-C,
the same command with --resume goes on and writes what an uninterrupted fit would.""",
    "facts": """examples:
  sim facts                      # the fact base as a table
  sim facts kenya.pledged_total  # one fact in full: value, unit, date, quote, article, note, conflicts
  sim facts --check              # verify every quote against seeds/articles/
  sim facts --check path/to/articles""",
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors end with a hint to ``--help`` and exit 2."""
    def error(self, message):  # argparse exits 2 on usage errors: keep that, with a hint
        """Print the usage and ``message`` with a hint to ``--help`` on stderr; exit 2."""
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message} (see --help)", file=sys.stderr)
        raise SystemExit(BAD_INPUT)


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """``argv`` parsed; an unknown option is a usage error (exit 2) that names the nearest option of its command."""
    args, extra = parser.parse_known_args(argv)
    if not extra:
        return args
    command = parser._subparsers._group_actions[0].choices.get(args.command) if args.command else None  # noqa: SLF001
    known = [o for action in (command or parser)._actions for o in action.option_strings if o.startswith("--")]
    hints = "".join(did_you_mean(word.split("=", 1)[0], known) for word in extra if word.startswith("-"))
    (command or parser).error(f"unrecognized arguments: {' '.join(extra)}{hints}")
    raise AssertionError("unreachable")  # error() exits


def build_parser() -> argparse.ArgumentParser:
    """The ``sim`` parser: every command with its options and examples, bound to its handler (``args.handler``)."""
    parser = _Parser(
        prog="sim",
        description="mss-sim: Monte Carlo projections of force deployment and funding for multinational security missions.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'sim COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"mss-sim {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an unexpected error, print the full traceback")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str):
        """Add the command ``name``, described by ``help``, with its examples as the epilog."""
        return commands.add_parser(name, help=help, description=help, epilog=EXAMPLES[name],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    def run_options(parser, output: str, printed: str, quiet: str, each: str = "", every: str = "the scenario's",
                    replications: str | bool | None = None):
        """The options shared by the commands that run replications (``-n`` unless ``replications`` is False;
        a text: its default)."""
        if replications is not False:
            parser.add_argument("-n", "--replications", type=int,
                                help=f"replications{each} (default: {replications or every})")
        parser.add_argument("--seed", type=int, help=f"seed{each} (default: {every})")
        parser.add_argument("--workers", type=int,
                            help="worker processes (default: CPU count; at most 4 per core; a local pool at most "
                                 "one per 512 replications)")
        parser.add_argument("--backend", choices=BACKENDS, default="local",
                            help="where replications run: local processes (default) or a Dask cluster")
        parser.add_argument("--scheduler", metavar="ADDRESS",
                            help="Dask scheduler (tcp://host:8786); without it --backend dask starts a local cluster")
        parser.add_argument("-o", "--output", help=f"output folder (default: {output})")
        parser.add_argument("--format", default="png",
                            help="chart formats, comma-separated: png, svg, pdf (default png); none: no chart at all "
                                 "(report.html without charts, faster)")
        parser.add_argument("--json", action="store_true", help=f"print {printed} on stdout instead of the text")
        parser.add_argument("--force", action="store_true",
                            help="write into a folder mss-sim did not write, or that holds another question's results "
                                 "(files mss-sim did not write are kept, and named)")
        parser.add_argument("-q", "--quiet", action="store_true", help=quiet)

    def overrides(parser):
        """Add the repeatable ``--set KEY=VALUE`` option to ``parser``."""
        parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario value (repeatable)")

    run = command("run", "Run a scenario's Monte Carlo replications and write its curves, summary and charts.")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: scenarios/baseline.toml)")
    run_options(run, "results/<scenario file name>[+<--set overrides>]", "summary.json", "no progress bar, no summary")
    overrides(run)
    run.add_argument("--keep-replications", action="store_true", help="also save every daily curve to replications.npz")
    run.add_argument("--vary", action="append", metavar="KEY=PRIOR",
                     help="each replication draws its own value of KEY from PRIOR, a number or a distribution table "
                          "as in scenario files; KEY may be a distribution's parameter (repeatable)")
    run.add_argument("--params", metavar="FILE.csv",
                     help="a table of values: one column per KEY, one row per set; replication r takes row r mod rows")
    run.add_argument("--keep-draws", action="store_true",
                     help="also save every replication's varied values and named draws to draws.csv")
    run.set_defaults(handler=cmd_run)

    validate = command("validate", "Check scenario files; print every problem as FILE:LINE: key.path: message.")
    validate.add_argument("files", nargs="*", metavar="FILE")
    validate.add_argument("--schema", action="store_true", help="print a JSON Schema of scenario files for editors")
    validate.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    validate.set_defaults(handler=cmd_validate)

    compare = command("compare", "Run several scenarios with common random numbers and tabulate their differences.")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files")
    run_options(compare, "results/compare-<file names joined by +>", "compare.json", "no progress, no table",
                each=" of every run", every="the first scenario's")
    compare.set_defaults(handler=cmd_compare)

    sweep = command("sweep", "Run a scenario over a grid of assumption values and chart the headline against them.")
    sweep.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    sweep.add_argument("--set", action="append", metavar="KEY=VALUES",
                       help="a dotted key and its values: a,b,c or start:stop:step (repeat for a grid)")
    run_options(sweep, "results/<scenario file name>+<--set items>-sweep", "sweep.json", "no progress, no table",
                each=" of every point")
    sweep.add_argument("--resume", action="store_true",
                       help="go on with an interrupted sweep: points already in DIR.journal.jsonl are not run again")
    sweep.set_defaults(handler=cmd_sweep)

    def design_options(parser, method: bool):
        """The options of ``sensitivity`` and ``discover``: --vary, --samples, --outcome, --resume."""
        parser.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
        parser.add_argument("--vary", action="append", metavar="KEY=LOW:HIGH",
                            help="a dotted key (as --set takes it, a distribution's parameter too) and its range: two "
                                 "numbers or two dates (repeatable)")
        if method:
            parser.add_argument("--method", choices=("sobol", "morris"), default="sobol",
                                help="Sobol' indices (S1, ST; default) or Morris screening (mu*, sigma)")
        parser.add_argument("--samples", type=int, metavar="N",
                            help="Sobol: base sample, a power of 2 (default 64); Morris: trajectories (default 20)"
                            if method else "design points, a power of 2 (default 256)")
        parser.add_argument("--outcome", action="append", metavar="NAME",
                            help="another outcome to measure: STATISTIC@WHEN, e.g. mean_strength@end (repeatable)")
        run_options(parser, f"results/<scenario file name>+<the --vary items>-{'<method>' if method else 'discover'}",
                    "the summary", "no progress, no table", each=" of every point", replications="200")
        parser.add_argument("--resume", action="store_true",
                            help="go on after an interruption: points already in DIR.journal.jsonl are not run again")

    sensitivity = command("sensitivity", "Which assumption matters: Sobol' or Morris indices of the outcomes over "
                                         "ranges of assumptions.")
    design_options(sensitivity, method=True)
    sensitivity.set_defaults(handler=cmd_sensitivity)

    discover = command("discover", "Scenario discovery: the combinations of assumptions (PRIM boxes) that lead to "
                                   "an outcome.")
    design_options(discover, method=False)
    discover.add_argument("--when", required=True, metavar="EXPR",
                          help="the outcome looked for: OUTCOME OP NUMBER, e.g. 'strength@end >= 2500'")
    discover.add_argument("--threshold", type=float, help="the density a box must reach (default 0.8)")
    discover.set_defaults(handler=cmd_discover)

    backtest = command("backtest", "Score a scenario's projections against figures reported on given dates.")
    backtest.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    backtest.add_argument("--observed", required=True, metavar="FILE.csv",
                          help="observations: CSV with header date,series,value[,source][,kind][,relative_error]")
    run_options(backtest, "results/<scenario file name>[+<--set overrides>]-backtest", "backtest.json", "no progress bar, no table")
    overrides(backtest)
    backtest.set_defaults(handler=cmd_backtest)

    add_calibrate(command, run_options)

    facts = command("facts", "Show the fact base (or one fact in full), or check every quote against the articles.")
    facts.add_argument("ids", nargs="*", metavar="ID", help="show these facts in full (an id, or the start of ids)")
    facts.add_argument("--check", nargs="?", const="", metavar="DIR", help="verify quotes (default DIR: the articles beside the fact base, seeds/articles/)")
    facts.add_argument("--facts", metavar="FILE", help="fact base file (default: seeds/facts.toml)")
    facts.set_defaults(handler=cmd_facts)
    return parser
