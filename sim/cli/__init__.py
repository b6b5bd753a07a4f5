"""The ``sim`` command line. It knows files and arguments; the model lives elsewhere.

Exit codes: 0 success, 2 bad input (a :class:`~sim.errors.SimError`: usage, scenario, files,
options), 130 interrupted (Ctrl-C, as shells report a SIGINT), 1 anything else (a one-line
message; the traceback with ``sim --debug``).
"""

from __future__ import annotations

import os
import sys
import traceback

from ..errors import SimError
from ..scenario import ScenarioError
from .options import BAD_INPUT, INTERRUPTED
from .parser import build_parser, parse


def main(argv: list[str] | None = None) -> int:
    """Run the ``sim`` command line with ``argv`` (default: the process's arguments); return the exit code."""
    parser = build_parser()
    args = parse(parser, argv)
    if not args.command:
        parser.print_help()
        return BAD_INPUT
    try:
        return args.handler(args)
    except ScenarioError as error:
        for problem in error.problems:  # a file's problems as FILE:LINE: ..., an option's as the command's error
            print(f"sim {args.command}: error: {problem}" if problem.file.startswith("--") else problem,
                  file=sys.stderr)
        return BAD_INPUT
    except SimError as error:
        print(f"sim {args.command}: error: {error}", file=sys.stderr)
        return BAD_INPUT
    except BrokenPipeError:  # `sim facts | head`: the reader has gone, which is fine
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print(f"sim {args.command}: interrupted; no output was written", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        if args.debug:
            traceback.print_exc()
        print(f"sim {args.command}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        print("  please report it with the scenario file; run with sim --debug for the traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
