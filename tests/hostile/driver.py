"""Runs many ``sim`` command lines in one process, for tests/test_hostile.py (importing sim once saves seconds).

Reads a JSON list of ``[case id, [argv...]]`` on stdin. For each case it writes a line ``START <id>`` on
stderr (so a case that hangs is named when the time-out kills the batch), runs ``sim.cli.main(argv)`` with
stdout and stderr captured, and prints one JSON line ``{"id", "code", "out", "err"}`` on stdout. An
exception that escapes ``main`` is recorded as its traceback in ``err`` with code ``"escaped"``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback


def run_case(argv: list[str]) -> tuple[object, str, str]:
    """(exit code, stdout, stderr) of ``sim argv``."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code
        except BaseException:  # noqa: BLE001 - what the test must see
            code = "escaped"
            traceback.print_exc()
    return code, out.getvalue(), err.getvalue()


def main() -> None:
    """Run every case read from stdin, one JSON line each."""
    for case, argv in json.load(sys.stdin):
        print(f"START {case}", file=sys.stderr, flush=True)
        code, out, err = run_case(argv)
        print(json.dumps({"id": case, "code": code, "out": out[-20_000:], "err": err[-20_000:]}), flush=True)


if __name__ == "__main__":
    main()
