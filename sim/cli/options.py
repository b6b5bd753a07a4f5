"""What the commands share: default output folders, ``--set`` overrides, checks of counts and formats,
and how a command ends (``--json`` alone on stdout, else text and the folder it wrote)."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from ..errors import SimError
from ..files import check_target, tidy
from ..scenario import Problem, Scenario, ScenarioError, load
from ..text import parse_value

BAD_INPUT = 2


class UsageError(SimError):
    """Bad arguments found after parsing (exit 2)."""


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


def output_folder(args, default: Path) -> Path:
    """The folder ``-o`` names (refused if empty), else ``default``; what a killed run left there is tidied
    (and said on stderr), and the folder checked, before anything runs. Kept as ``args.out``."""
    if args.output is not None and not args.output.strip():
        raise UsageError(f"-o/--output: {args.output!r} is not a folder name; give a folder, or leave -o out "
                         f"for the default ({default})")
    out = Path(args.output) if args.output is not None else default
    for line in tidy(out):
        print(f"sim {args.command}: {line}", file=sys.stderr)
    check_target(out, args.force)
    args.out = out
    return out


def parse_sets(items: list[str]) -> dict:
    """``--set KEY=VALUE`` items as ``{key: value}``, values read as TOML would; UsageError for a malformed item."""
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


def chart_formats(text: str) -> tuple[str, ...]:
    """``--format`` (``png``, ``svg`` or ``png,svg``) as a tuple of formats; UsageError for anything else."""
    formats = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    bad = [f for f in formats if f not in ("png", "svg")]
    if bad or not formats:
        raise UsageError(f"--format takes png, svg or png,svg; got {text!r}")
    return formats


def check_counts(args) -> None:
    """-n, --seed and --workers checked before anything runs (run() would refuse them only later)."""
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"-n/--replications must be at least 1, got {args.replications}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")


def backend(args) -> dict:
    """--backend and --scheduler, checked before anything runs."""
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask")
    return {"backend": args.backend, "scheduler": args.scheduler}


def finish(args, machine: str, human, out: Path) -> int:
    """The end of a command: with --json only ``machine`` on stdout; else ``human()`` and where it wrote, unless --quiet."""
    if args.json:
        print(machine, end="" if machine.endswith("\n") else "\n")
    elif not args.quiet:
        print(human())
        print(f"  wrote {out}/")
    return 0


def say(args, text: str) -> None:
    """Progress lines: on stderr, never with --quiet (stdout stays for results and --json)."""
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)
