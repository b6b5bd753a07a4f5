"""What the commands share: default output folders and the question each answers, ``--set`` overrides,
checks of counts and formats, and how a command ends (``--json`` alone on stdout, else text and the
folder it wrote, and a word on files it kept)."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from ..errors import SimError
from ..files import CHART_FORMATS as FORMATS
from ..files import check_target, read_marker, tidy
from ..scenario import Problem, Scenario, ScenarioError, load
from ..text import parse_value, plural


class UsageError(SimError):
    """Bad arguments found after parsing (exit 2)."""


def default_output(path: Path, sets: list[str] | None = None, suffix: str = "") -> Path:
    """``results/<file name><suffix>``; with ``--set``, ``results/<file name>+<the overrides><suffix>``.

    So a variant never replaces the run of the scenario as written. The overrides are spelled as
    given, characters awkward in file names made ``_``; a long list is cut and ends in a hash of it.
    """
    name = path.stem
    if sets:
        name = f"{name}+{_slug([item.strip() for item in sets])}"
    return Path("results") / f"{name}{suffix}"


def output_folder(args, default: Path, asked: str) -> tuple[Path, list[str]]:
    """The folder ``-o`` names (refused if empty), else ``default``; what a killed run left there is tidied
    (and said on stderr), and the folder checked for the question ``asked``, before anything runs. Kept as
    ``args.out``. Returns it and the names of the files in it that mss-sim did not write (they are kept)."""
    if args.output is not None and not args.output.strip():
        raise UsageError(f"-o/--output: {args.output!r} is not a folder name; give a folder, or leave -o out "
                         f"for the default ({default})")
    out = Path(args.output) if args.output is not None else default
    for line in tidy(out):
        print(f"sim {args.command}: {line}", file=sys.stderr)
    foreign = check_target(out, args.force, asked)
    args.out = out
    return out, foreign


def compare_output(paths: list[str]) -> Path:
    """``results/compare-<file names joined by +>``: a comparison of other scenarios goes to another folder."""
    return Path("results") / f"compare-{_slug([Path(p).stem for p in paths])}"


def _slug(items: list[str]) -> str:
    """``items`` joined by ``+``, characters awkward in file names made ``_``; a long text cut and ended by its hash."""
    slug = "+".join(re.sub(r"[^A-Za-z0-9._=,-]+", "_", item) for item in items)
    if len(slug) > 60:
        digest = hashlib.sha256("\n".join(items).encode()).hexdigest()[:8]
        slug = f"{slug[:50]}-{digest}"
    return slug


def question(command: str, paths: list, sets: list[str] | None = None, *more: str) -> str:
    """What a command was asked, as its folder's marker records it: the command, the scenario files (resolved),
    the ``--set`` items and any other input; not the seed or the replication count (more runs of the same
    question replace its folder)."""
    words = [command] + [str(Path(p).resolve()) for p in paths] + [f"--set {item.strip()}" for item in sets or []]
    return " ".join(words + list(more))


def report_kept(args, out: Path, foreign: list[str]) -> None:
    """Say which files of ``out`` that mss-sim did not write were kept, and which an output replaced (on stderr)."""
    if not foreign:
        return
    written = set((read_marker(out) or {}).get("files") or [])
    kept = [name for name in foreign if name not in written]
    replaced = [name for name in foreign if name in written]
    if kept:
        print(f"sim {args.command}: kept {plural(len(kept), 'file')} mss-sim did not write in {out}/: "
              f"{', '.join(kept)}", file=sys.stderr)
    if replaced:
        print(f"sim {args.command}: replaced {plural(len(replaced), 'file')} of the same name as an output in "
              f"{out}/: {', '.join(replaced)}", file=sys.stderr)


def parse_sets(items: list[str]) -> dict:
    """``--set KEY=VALUE`` items as ``{key: value}``, values read as TOML would; UsageError for a malformed item."""
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set needs KEY=VALUE, got {item!r}")
        out[key.strip()] = parse_value(value.strip())
    return out


def parse_varies(items: list[str], option: str = "--vary") -> dict:
    """``--vary KEY=PRIOR`` (or ``--fit``) items as ``{key: prior}`` (a number or a distribution table, read as TOML
    would); UsageError for a malformed item."""
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"{option} needs KEY=PRIOR, e.g. 'contingent.Kenya.fulfilment={{dist=\"uniform\", "
                             f"low=0.5, high=1}}', got {item!r}")
        if key.strip() in out:
            raise UsageError(f"{option} {key.strip()} is given twice; give each key once")
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
    """``--format`` (``png``, ``svg``, ``pdf`` or several, comma-separated) as a tuple, ``none`` (no chart at all) as
    an empty one; UsageError for anything else."""
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    if formats == ("none",):
        return ()
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError(f"--format takes {', '.join(FORMATS)} or several of them, comma-separated (png,svg,pdf), "
                         f"or none (no chart); got {text!r}")
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
