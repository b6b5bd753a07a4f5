"""How a command that stopped says so: what went wrong, what is on disk, and the exit code.

2 for bad input (a :class:`~sim.errors.SimError`), 130 for an interruption (Ctrl-C), 1 for a
:class:`~sim.errors.WriteFailure` (a full disk, another run) or a bug (one "internal error" line;
the traceback with ``sim --debug``).
"""

from __future__ import annotations

import os
import sys
import traceback

from ..analysis.journal import read_journal
from ..errors import SimError, WriteFailure
from ..files import MARKER, InterruptedAfterWriting
from ..scenario import ScenarioError
from ..text import plural
from ..errors import BAD_INPUT, INTERRUPTED


def failure(args, error: BaseException) -> int:
    """Print on stderr why command ``args.command`` stopped and what is on disk; return its exit code.

    Re-raises what is not a failure (SystemExit). ``args.out``, if a command set it, is the folder it writes.
    """
    command = f"sim {args.command}"
    if isinstance(error, ScenarioError):
        for problem in error.problems:  # a file's problems as FILE:LINE: ..., an option's as the command's error
            print(f"{command}: error: {problem}" if problem.file.startswith("--") else problem, file=sys.stderr)
        return BAD_INPUT
    if isinstance(error, SimError):
        print(f"{command}: error: {error}", file=sys.stderr)
        return BAD_INPUT
    if isinstance(error, BrokenPipeError):  # `sim facts | head`: the reader has gone, which is fine
        sys.stdout = open(os.devnull, "w")
        return 0
    if isinstance(error, InterruptedAfterWriting):
        print(f"{command}: interrupted once the output was complete: {error.directory} holds the new results",
              file=sys.stderr)
        return INTERRUPTED
    if isinstance(error, KeyboardInterrupt):
        print(f"{command}: interrupted; no output was written{_untouched(getattr(args, 'out', None))}", file=sys.stderr)
        return INTERRUPTED
    if isinstance(error, WriteFailure):
        print(f"{command}: error: {error}", file=sys.stderr)
        return 1
    if isinstance(error, Exception):  # the last line of defence: a message, not a traceback
        if args.debug:
            traceback.print_exception(error)
        print(f"{command}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        print("  please report it with the scenario file; run with sim --debug for the traceback", file=sys.stderr)
        return 1
    raise error


def _untouched(out) -> str:
    """What an interrupted command left in its folder ``out``: the previous results, or nothing."""
    if out is None:
        return ""
    if (out / MARKER).exists():
        return f" ({out} holds the previous results, untouched)"
    return f" ({out} is as it was)" if out.exists() else f" ({out} was not created)"


def stopped(args, error: BaseException, journal, what: str = "finished point", total: int | None = None) -> int:
    """:func:`failure`, then what the resumable command's ``journal`` keeps for ``--resume`` (deleted if the output
    was written after all); ``total``: the points the command has (None: a fit, which goes on from the last)."""
    code = failure(args, error)
    if isinstance(error, InterruptedAfterWriting):
        journal.unlink(missing_ok=True)
    elif kept := len(read_journal(journal)):
        if total is None:
            again = "the same command with --resume goes on from there"
        elif kept < total:
            again = "the same command with --resume runs only the others"
        else:
            again = "the same command with --resume writes the output without running them again"
        print(f"sim {args.command}: {plural(kept, what)} {'is' if kept == 1 else 'are'} kept in {journal}; {again}",
              file=sys.stderr)
    return code
