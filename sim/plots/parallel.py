"""Charts drawn in other processes while this one does other work (simulates, writes the CSV files).

:class:`Drawers` starts its processes at once (:func:`sim.processes.context`); each imports matplotlib
and draws a small figure meanwhile, so that fonts and backends are ready when a chart comes.
:meth:`Drawers.chart` hands one a chart to draw (a chart function of this package, by name, and its
data) in every format asked and in SVG (for report.html); the :class:`DrawnChart` it returns waits
for the bytes the first time they are needed. They are the bytes the same chart drawn here has:
drawing depends only on the chart and its data. Importing this module does not import matplotlib.
"""

from __future__ import annotations

import collections
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
        self.handed = threading.Event()  # set once the chart is sent to a process (or that failed)
        self.drawer: _Drawer | None = None
        self.error: BaseException | None = None
        self._bytes: dict[str, bytes] | None = None

    def bytes(self, fmt: str) -> bytes:
        """The chart in format ``fmt`` (one asked for, or svg), once drawn (an error drawing it is raised here)."""
        if self._bytes is None:
            self.handed.wait()
            if self.error is None:
                self.drawer.receive(self)
            if self.error is not None:
                raise self.error
        return self._bytes[fmt]

    def svg(self) -> bytes:
        """The SVG file's bytes."""
        return self.bytes("svg")

    def writer(self, fmt: str) -> Callable[[Path], None]:
        """A writer (for :func:`sim.files.write_folder`) of this chart in format ``fmt``."""
        return lambda path: path.write_bytes(self.bytes(fmt))


class _Drawer:
    """One drawing process and this end of its pipe; its answers come back in the order the charts were sent."""

    def __init__(self, start, alive):
        self.connection, theirs = start.Pipe()
        self.process = start.Process(target=_serve_charts, args=(alive, theirs), daemon=True,
                                     name="mss-sim-drawer")
        self.process.start()
        theirs.close()
        self.lock = threading.Lock()
        self.waiting: collections.deque[DrawnChart] = collections.deque()  # sent, not yet answered

    def send(self, chart: DrawnChart, work: tuple) -> None:
        """Send ``work`` for ``chart`` (its answer comes after those of the charts sent before)."""
        self.connection.send(work)
        with self.lock:
            self.waiting.append(chart)
        chart.drawer = self

    def receive(self, chart: DrawnChart) -> None:
        """Read answers, in order, until ``chart`` has its bytes or its error."""
        with self.lock:
            while chart._bytes is None and chart.error is None:
                first = self.waiting.popleft()
                try:
                    ok, answer = self.connection.recv()
                except (EOFError, OSError) as failure:  # the process died
                    ok, answer = False, RuntimeError(f"the process drawing charts ended: {failure!r}")
                if ok:
                    first._bytes = answer
                else:
                    first.error = answer


def _serve_charts(alive, connection) -> None:
    """A drawing process: get ready, then draw each ``(name, data, formats)`` received and send back
    ``(True, {format: bytes})`` or ``(False, error)``, until ``None`` comes."""
    _ready(alive)
    while True:
        try:
            work = connection.recv()
        except EOFError:  # the other end is closed: nothing more will come
            return
        if work is None:
            return
        try:
            answer = (True, _draw(*work))
        except Exception as error:  # noqa: BLE001 - raised where the chart's bytes are asked for
            answer = (False, error)
        connection.send(answer)


class Drawers:
    """Processes that draw charts: started at once, ``chart()`` hands them work, ``close()`` stops them (also
    as a context manager). They exit at once if this process dies.

    A thread starts them (which waits for the fork server to be ready) and sends them the charts, one after
    the other in turn, so that neither keeps this process from its own work. Each process has a pipe of its
    own (not a ``multiprocessing.Pool``, whose ``terminate()`` can hang while a large chart's data is being
    sent), so stopping them at once is terminating them.
    """

    def __init__(self, processes: int = 2):
        self.drawers: list[_Drawer] = []
        self.alive = None
        self.work: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, args=(processes,), name="mss-sim-drawers", daemon=True)
        self.thread.start()

    def _serve(self, processes: int) -> None:
        """Start the processes, then send them each chart as it comes, in turn, until ``None`` comes."""
        error = None
        try:
            start = context()
            self.alive = lifeline(start)
            for _ in range(processes):
                self.drawers.append(_Drawer(start, self.alive[0]))
        except Exception as failure:  # noqa: BLE001 - raised where the chart's bytes are asked for
            error = failure
        turn = 0
        while (item := self.work.get()) is not None:
            work, chart = item
            try:
                if error is not None:
                    raise error
                self.drawers[turn % len(self.drawers)].send(chart, work)
                turn += 1
            except Exception as failure:  # noqa: BLE001 - as above (a process that died: a broken pipe)
                chart.error = failure
            chart.handed.set()

    def chart(self, name: str, data: Any, formats: Sequence[str]) -> DrawnChart:
        """Have the chart function ``name`` (e.g. ``"strength_chart"``) drawn with ``data`` in ``formats`` and SVG."""
        chart = DrawnChart()
        self.work.put(((name, data, tuple(dict.fromkeys([*formats, "svg"]))), chart))
        return chart

    def close(self, terminate: bool = False) -> None:
        """Stop the processes: at once if ``terminate``, else once their charts are drawn."""
        if terminate:  # first, so that a chart being sent to one of them fails instead of waiting
            for drawer in list(self.drawers):
                drawer.process.terminate()
        if self.thread is not None:
            self.work.put(None)
            self.thread.join()
            self.thread = None
        for drawer in self.drawers:  # now every one the thread started
            try:
                drawer.process.terminate() if terminate else drawer.connection.send(None)
            except OSError:
                pass  # it has ended already
            drawer.process.join()
            drawer.connection.close()
        self.drawers = []
        if self.alive is not None:
            for end in self.alive:
                end.close()
            self.alive = None

    def __enter__(self) -> "Drawers":
        return self

    def __exit__(self, *exc) -> None:
        self.close(terminate=exc[0] is not None)
