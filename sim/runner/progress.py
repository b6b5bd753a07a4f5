"""Progress of long work: a bar on a terminal and in Jupyter, nothing when quiet or not a terminal;
one bar over the runs of a comparison or a sweep."""

from __future__ import annotations

import sys

def progress_bar(progress, total: int, name: str):
    """A (report, close) pair: a tqdm bar on a terminal or in Jupyter, a user callable, or nothing."""
    if callable(progress):
        return progress, lambda: None
    if progress and in_jupyter():
        from tqdm.auto import tqdm  # a widget bar when ipywidgets is installed, else text in the cell

        bar = tqdm(total=total, desc=name[:30], unit="rep", leave=False)
        return bar.update, bar.close
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=name[:30], unit="rep", leave=False, dynamic_ncols=True)
        return bar.update, bar.close
    return (lambda n: None), (lambda: None)


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (where stderr is not a terminal but a bar can still be drawn)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class OverallBar:
    """One bar over several runs (a comparison, a sweep) on a terminal, and lines printed above it.

    ``update(n)`` as replications finish, ``write(text)`` for a line that must not break the bar,
    ``close()`` at the end. Without a terminal (or when not ``enabled``) only the lines are printed.
    """

    def __init__(self, enabled: bool, total: int, name: str):
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=name[:30], unit="rep", leave=False, dynamic_ncols=True)
        self.enabled = enabled

    def update(self, count: int) -> None:
        """``count`` more replications finished."""
        if self.bar is not None:
            self.bar.update(count)

    def write(self, text: str) -> None:
        """A line on stderr (above the bar when there is one); nothing when not enabled."""
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        elif self.enabled:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
