"""The one exception base for bad input, and the message for a missing optional dependency.

Every error the package raises for something a user gave it (a scenario file, an option, an
observation file, an output folder, a backend) is a :class:`SimError`: the CLI prints its
message and exits 2. A :class:`WriteFailure` is neither bad input nor a bug (a full disk, another run
writing the same folder): its message says what happened and what is on disk, and the CLI exits 1.
Anything else is a bug, and exits 1 with an "internal error" line.
"""

from __future__ import annotations

#: The CLI's exit code for bad input (a :class:`SimError`).
BAD_INPUT = 2
#: The CLI's exit code for an interrupted command (Ctrl-C), as shells report a process ended by SIGINT.
INTERRUPTED = 130

#: What to install for each optional feature.
INSTALL_HINTS = {
    "notebook": "pip install 'mss-sim[notebook]'",
    "dask": "pip install 'mss-sim[dask]'",
    "analysis": "pip install 'mss-sim[analysis]'",
}


class SimError(Exception):
    """Bad input: the message says what is wrong and what is allowed (exit code 2 in the CLI)."""


class WriteFailure(OSError):
    """Output not written for a reason outside the input (a full disk, another run): the message says what is on disk."""


class InputError(SimError, ValueError):
    """A value given to a function that it cannot take (also a ValueError, for Python callers)."""


class MissingDependencyError(SimError, ImportError):
    """An optional dependency is not installed; the message says how to install it."""


def missing(what: str, needs: str, extra: str) -> MissingDependencyError:
    """The error for ``what`` needing the package ``needs``, with the install line for ``extra``."""
    return MissingDependencyError(f"{what} needs {needs}, which is not installed; install it with {INSTALL_HINTS[extra]} "
                                  f"(in a clone of the repository: pip install -e '.[{extra}]')")
