"""The ``sim`` command line. It knows files and arguments; the model lives elsewhere.

Exit codes: 0 success, 2 bad input (a :class:`~sim.errors.SimError`: usage, scenario, files,
options), 130 interrupted (Ctrl-C, as shells report a SIGINT), 1 anything else (a full disk,
another run, a bug: a one-line message saying what is on disk; the traceback of a bug with
``sim --debug``); see :mod:`sim.cli.failures`.
"""

from __future__ import annotations

import sys

from ..errors import BAD_INPUT, INTERRUPTED
from ..processes import start_early


def main(argv: list[str] | None = None) -> int:
    """Run the ``sim`` command line with ``argv`` (default: the process's arguments); return the exit code.

    A command that will start processes has the fork server start first, so that it imports the runner
    while this process imports the commands (:func:`sim.processes.start_early`).
    """
    try:
        start_early(sys.argv[1:] if argv is None else argv)
        from .failures import failure
        from .parser import build_parser, parse

        parser = build_parser()
        args = parse(parser, argv)
    except KeyboardInterrupt:  # before any command has begun: nothing was written
        print("sim: interrupted before it began; nothing was written", file=sys.stderr)
        return INTERRUPTED
    if not args.command:
        parser.print_help()
        return BAD_INPUT
    try:
        return args.handler(args)
    except BaseException as error:  # SystemExit is raised again
        return failure(args, error)


def __getattr__(name: str):
    """``build_parser``, ``parse`` and ``failure``, from their modules when first asked for (they
    import every command, which :func:`main` does only after the fork server has started)."""
    where = {"build_parser": ".parser", "parse": ".parser", "failure": ".failures"}
    if name not in where:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(where[name], __name__), name)


if __name__ == "__main__":
    sys.exit(main())
