"""The explorer's chart: the fan of total strength of one run, redrawn in place when the run changes.

What depends only on the scenario (the axes, the ceiling and the target, mandate deadlines, the history
before ``as_of``, the legend) is drawn once; a new run replaces the bands, the median and the mean, and
the title and subtitle (which name the replications and the values changed). There is no footnote: the
explorer's status line says what was run, and the chart is not a file. The y axis is
fixed, up to the highest ceiling (strength never passes it) and the target if it is near, so that two
settings compare at a glance. A slider move costs a render, not a new figure.
"""

from __future__ import annotations

from typing import Any

from matplotlib.text import Text

from .annotations import ceiling_and_target, deadline_lines, history_marks, scale_top
from .fan import fan
from .style import (
    BOTTOM, LABEL_SIZE, LEFT, RIGHT, STRENGTH_LABEL, TOP, add_legend, add_title, new_figure, plain_text,
    style_time_axis,
)


class LiveFan:
    """A fan chart of total strength (``figure``) that :meth:`update` redraws for another run of the same scenario,
    or of a variant with the same dates, ceilings and deadlines (the explorer's sliders change none of them)."""

    def __init__(self, result: Any):
        sc = result.scenario
        self.figure = figure = new_figure()
        self.ax = ax = figure.add_subplot(1, 1, 1)
        figure.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
        ax.set_ylim(0, scale_top([sc], 0.0))
        style_time_axis(ax, result.dates, show_labels=True)
        self.data = fan(ax, result)
        handles = list(self.data) + ceiling_and_target(ax, [sc])
        handles += deadline_lines(ax, sc.deadlines(), labels=True)
        handles += history_marks(ax, sc, labels=True)
        ax.set_ylabel(STRENGTH_LABEL, fontsize=LABEL_SIZE)
        add_legend(ax, handles, title="Total strength")
        self.texts: list[Text] = []
        self._label(result)
        plain_text(figure)

    def update(self, result: Any) -> None:
        """Show ``result``: its bands, median and mean, and the texts that name its run."""
        for artist in self.data:
            artist.remove()
        self.data = fan(self.ax, result)
        self._label(result)
        for text in self.texts:
            text.set_parse_math(False)

    def _label(self, result: Any) -> None:
        """The title and subtitle of ``result``'s run, replacing those of the run before."""
        for text in self.texts:
            text.remove()
        before = set(map(id, self.figure.texts))
        sc = result.scenario
        add_title(self.figure, f"{sc.name} — projected personnel ({result.replications:,} replications)",
                  "total strength: 5–95% and 25–75% of runs, median and mean", overrides=sc.overrides)
        self.texts = [t for t in self.figure.texts if id(t) not in before]  # the title itself is set again
