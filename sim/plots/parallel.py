"""Charts drawn in other processes while this one does other work (simulates, writes the CSV files).

:class:`Drawers` starts its processes at once (:func:`sim.processes.context`); each imports matplotlib
and draws a small figure meanwhile, so that fonts and backends are ready when a chart comes.
:meth:`Drawers.chart` hands one a chart to draw (a chart function of this package, by name, and its
data) in every format asked and in SVG (for report.html); the :class:`DrawnChart` it returns waits
for the bytes the first time they are needed. They are the bytes the same chart drawn here has:
drawing depends only on the chart and its data. Importing this module does not import matplotlib.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

from ..processes import context, lifeline, started


def _ready(alive) -> None:
    """A drawer's first work: exit with its starter (:func:`sim.processes.started`); import matplotlib and draw
    a small figure in PNG and SVG (fonts loaded, backends imported)."""
    started(alive)
    from .style import figure_bytes, new_figure

    figure = new_figure()
    figure.text(0.5, 0.5, "Personnel 0123456789 $M", fontsize=11)
    for fmt in ("png", "svg"):
        figure_bytes(figure, fmt)


def _draw(name: str, data: Any, formats: Sequence[str]) -> dict[str, bytes]:
    """Draw the chart function ``name`` of this package with ``data``; its bytes in each of ``formats``."""
    from importlib import import_module

    from .style import figure_bytes

    figure = getattr(import_module(__package__), name)(data)
    return {fmt: figure_bytes(figure, fmt) for fmt in formats}


class DrawnChart:
    """A chart drawn by a :class:`Drawers` process: ``svg()`` and ``writer(fmt)`` as :class:`~sim.plots.style.Chart`
    has them, each waiting for the bytes the first time."""

    def __init__(self):
        self.handed = threading.Event()  # set once the chart is handed to a process (or that failed)
        self.pending = self.error = None
        self._bytes: dict[str, bytes] | None = None

    def bytes(self, fmt: str) -> bytes:
        """The chart in format ``fmt`` (one asked for, or svg), once drawn (an error drawing it is raised here)."""
        if self._bytes is None:
            self.handed.wait()
            if self.error is not None:
                raise self.error
            self._bytes = self.pending.get()
        return self._bytes[fmt]

    def svg(self) -> bytes:
        """The SVG file's bytes."""
        return self.bytes("svg")

    def writer(self, fmt: str) -> Callable[[Path], None]:
        """A writer (for :func:`sim.files.write_folder`) of this chart in format ``fmt``."""
        return lambda path: path.write_bytes(self.bytes(fmt))


class Drawers:
    """Processes that draw charts: started at once, ``chart()`` hands them work, ``close()`` stops them (also
    as a context manager). They exit at once if this process dies.

    A thread starts them (which waits for the fork server to be ready) and hands them the charts, so
    that neither keeps this process from its own work.
    """

    def __init__(self, processes: int = 2):
        self.pool = self.alive = None
        self.work: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, args=(processes,), name="mss-sim-drawers", daemon=True)
        self.thread.start()

    def _serve(self, processes: int) -> None:
        """Start the processes, then hand them each chart as it comes, until ``None`` comes."""
        error = None
        try:
            start = context()
            self.alive = lifeline(start)
            self.pool = start.Pool(processes, initializer=_ready, initargs=(self.alive[0],))
        except Exception as failure:  # noqa: BLE001 - raised where the chart's bytes are asked for
            error = failure
        while (item := self.work.get()) is not None:
            args, chart = item
            try:
                if error is not None:
                    raise error
                chart.pending = self.pool.apply_async(_draw, args)
            except Exception as failure:  # noqa: BLE001 - as above
                chart.error = failure
            chart.handed.set()

    def chart(self, name: str, data: Any, formats: Sequence[str]) -> DrawnChart:
        """Have the chart function ``name`` (e.g. ``"strength_chart"``) drawn with ``data`` in ``formats`` and SVG."""
        chart = DrawnChart()
        self.work.put(((name, data, tuple(dict.fromkeys([*formats, "svg"]))), chart))
        return chart

    def close(self, terminate: bool = False) -> None:
        """Stop the processes: at once if ``terminate``, else once their charts are drawn."""
        if self.thread is not None:
            self.work.put(None)
            self.thread.join()
            self.thread = None
        if self.pool is not None:
            self.pool.terminate() if terminate else self.pool.close()
            self.pool.join()
            self.pool = None
        if self.alive is not None:
            for end in self.alive:
                end.close()
            self.alive = None

    def __enter__(self) -> "Drawers":
        return self

    def __exit__(self, *exc) -> None:
        self.close(terminate=exc[0] is not None)
