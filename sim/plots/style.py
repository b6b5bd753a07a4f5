"""The look shared by every chart: sizes, colours, the time axis, legends, number formats, and saving.

Charts are built with matplotlib's object-oriented API only: no ``pyplot``, and
``matplotlib.rcParams`` is never changed (every size and colour is given to the artist
that uses it), so drawing a chart leaves the process's matplotlib settings alone and
needs no GUI backend.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Callable, Sequence

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from ..errors import InputError
from ..files import CHART_FORMATS
from ..text import count_text, point_text

FIGSIZE = (12, 7)  # inches; at DPI this is 1200 x 700 pixels
DPI = 100

# Figure margins (fractions of the figure): room for the title, its subtitle and the deadline
# labels at the top, the footnote at the bottom and the legends on the right.
LEFT, RIGHT, TOP, BOTTOM = 0.075, 0.785, 0.84, 0.14
TITLE_Y, SUBTITLE_Y = 0.975, 0.932
LEGEND_X = 1.015  # legend anchor, in axes coordinates (just right of the axes)

TITLE_SIZE = 15
SUBTITLE_SIZE = 11
LABEL_SIZE = 11
TICK_SIZE = 10
LEGEND_SIZE = 9.5
NOTE_SIZE = 8.5
DEADLINE_SIZE = 8.5

# Colours (a blue fan, a red ceiling, a dark grey target, grey deadlines)
FAN_OUTER = "#c6dbef"
FAN_INNER = "#6baed6"
MEDIAN = "#08519c"
MEAN = "#08306b"
CEILING = "#b2182b"
TARGET = "#4d4d4d"
DEADLINE = "#666666"
NOTE = "#666666"
GRID = "#e5e5e5"
DEFICIT = "#fbe3e3"
OBSERVED = "#d95f02"
HISTORY = "#ececec"  # the part of a run before its as_of date (known history)
AS_OF = "#252525"
TARGET_STYLE = (0, (6, 2, 1, 2))  # dash-dot
LABEL_Z = 1.9  # line labels: over the bands (zorder 1), under every line (2 and up)
LABEL_BOX = dict(facecolor="white", edgecolor="none", alpha=0.75, pad=1.0)
# Contingents in the stacked panel (ColorBrewer Dark2, then Paired)
PALETTE = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
    "#1f78b4", "#b15928", "#6a3d9a", "#33a02c", "#fb9a99", "#999999", "#17becf",
)
# Lines of scenarios (compare) and of contingents (backtest; no orange, the observed points'
# colour); no red in either: red is the ceiling
COUNTRY_LINES = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
COMPARE_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
#: The y axis of strength charts: the people of the mission, wherever it is (the place is the scenario's to say).
STRENGTH_LABEL = "Personnel deployed (total)"
#: Chart file formats, by suffix.
FORMATS = CHART_FORMATS


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` to ``path`` as PNG, SVG or PDF, chosen by the suffix.

    PNGs keep the figure's exact pixel size (1200 x 700 for these charts: no tight bounding
    box). SVGs and PDFs carry no date (and SVGs use a fixed id salt), so the same chart gives
    the same bytes.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(f"cannot save a chart as {path.suffix or 'a file without suffix'!r}: use .png, .svg or .pdf")
    with open(path, "wb") as handle:
        handle.write(figure_bytes(fig, suffix))


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """``fig`` as the bytes of a PNG, SVG or PDF file (no date in any; SVG ids from a fixed salt)."""
    out = io.BytesIO()
    if fmt == "png":
        fig.savefig(out, format="png", dpi=fig.dpi, bbox_inches=None, facecolor="white")
    elif fmt == "svg":
        # svg.hashsalt only while saving: ids derived from a fixed salt instead of a random
        # uuid; rc_context restores every setting afterwards.
        with matplotlib.rc_context({"svg.hashsalt": "mss-sim"}):
            fig.savefig(out, format="svg", dpi=fig.dpi, bbox_inches=None, facecolor="white",
                        metadata={"Date": None})
    elif fmt == "pdf":
        fig.savefig(out, format="pdf", dpi=fig.dpi, bbox_inches=None, facecolor="white",
                    metadata={"CreationDate": None, "ModDate": None})
    else:
        raise InputError(f"unknown chart format {fmt!r}; choose from {', '.join(FORMATS)}")
    return out.getvalue()


class Chart:
    """A chart drawn once, on first use, then saved in any format and embedded as SVG text."""

    def __init__(self, make_figure: Callable[[], Figure]):
        self.make_figure = make_figure
        self._figure: Figure | None = None
        self._svg: bytes | None = None

    @property
    def figure(self) -> Figure:
        """The figure, drawn the first time it is asked for."""
        if self._figure is None:
            self._figure = self.make_figure()
        return self._figure

    def svg(self) -> bytes:
        """The SVG file's bytes (computed once)."""
        if self._svg is None:
            self._svg = figure_bytes(self.figure, "svg")
        return self._svg

    def writer(self, fmt: str) -> Callable[[Path], None]:
        """A writer (for :func:`sim.files.write_folder`) of this chart in format ``fmt``."""
        def write(path: Path) -> None:
            """Save the chart to ``path`` in the writer's format."""
            path.write_bytes(self.svg() if fmt == "svg" else figure_bytes(self.figure, fmt))

        return write


def figure_writer(make_figure: Callable[[], Figure]) -> Callable[[Path], None]:
    """A writer (for :func:`sim.files.write_folder`) that draws a figure and saves it to the path."""
    def write(path: Path) -> None:
        """Draw the figure and save it to ``path`` (PNG, SVG or PDF by its suffix)."""
        save_figure(make_figure(), path)

    return write


def add_title(fig: Figure, title: str, subtitle: str = "", overrides: dict | None = None) -> None:
    """The chart's title, and under it a subtitle; values changed with ``--set`` lead the subtitle."""
    fig.suptitle(title, x=LEFT, y=TITLE_Y, ha="left", va="top", fontsize=TITLE_SIZE, fontweight="bold")
    parts = []
    if overrides:
        changed = point_text(overrides)
        parts.append("With " + (changed if len(changed) <= 110 else changed[:109] + "…"))
    if subtitle:
        parts.append(subtitle)
    if parts:
        fig.text(LEFT, SUBTITLE_Y, "; ".join(parts), ha="left", va="top", fontsize=SUBTITLE_SIZE,
                 color="#b2182b" if overrides else "#333333", gid="subtitle")


def plain_text(fig: Figure) -> Figure:
    """``fig`` with every text shown as written: a ``$`` in a name is a dollar sign, never the start of math."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return fig


def new_figure() -> Figure:
    """An empty white figure of FIGSIZE at DPI (1200 x 700 pixels)."""
    return Figure(figsize=FIGSIZE, dpi=DPI, facecolor="white")

def style_time_axis(ax: Axes, dates: np.ndarray, show_labels: bool) -> None:
    """Month ticks spaced to fit ``dates``, thousands on y, a light grid; x tick labels only if ``show_labels``."""
    first, last = as_date(np.min(dates)), as_date(np.max(dates))
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    interval = next((k for k in (1, 2, 3, 6, 12) if months / k <= 14), 12)
    locator = mdates.MonthLocator(bymonth=range(1, 13, interval) if 12 % interval == 0 else None,
                                  interval=1 if 12 % interval == 0 else interval)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(MonthFormatter())
    ax.set_xlim(first, last + dt.timedelta(days=1))
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.tick_params(labelsize=TICK_SIZE)
    ax.tick_params(axis="x", which="minor", length=2.5)
    ax.tick_params(axis="x", labelbottom=show_labels)
    ax.grid(True, axis="y", color=GRID, linewidth=0.8)
    ax.grid(True, axis="x", which="major", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

class MonthFormatter(Formatter):
    """Month ticks as ``Sep``, with the year under the first tick shown and under every January."""

    def __call__(self, x, pos=None) -> str:
        """One tick alone: its month."""
        return f"{mdates.num2date(x):%b}"

    def format_ticks(self, values) -> list[str]:
        """The labels of the ticks ``values``: the first one in view, and every January, carry the year."""
        low = min(self.axis.get_view_interval()) if self.axis is not None else float("-inf")
        shown = [x for x in values if x >= low - 1e-9]
        first = shown[0] if shown else None
        out = []
        for x in values:
            date = mdates.num2date(x)
            out.append(f"{date:%b}\n{date.year}" if x == first or date.month == 1 else f"{date:%b}")
        return out


def add_legend(ax: Axes, handles: list, title: str) -> None:
    """A legend of ``handles`` titled ``title``, just right of the axes, over everything."""
    legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(LEGEND_X, 1.0), borderaxespad=0.0,
                       fontsize=LEGEND_SIZE, title=title, title_fontsize=LEGEND_SIZE + 0.5, frameon=False,
                       alignment="left", handlelength=2.4)
    legend.set_zorder(10)

def nice_top(value: float) -> float:
    """An upper y limit a little above ``value``."""
    return max(value, 1.0) * 1.1


def thousands(value: float, _pos=None) -> str:
    """A tick label: ``value`` rounded half up, with thousands separators (``12,500``)."""
    return count_text(value)


def millions(value: float, _pos=None) -> str:
    """A tick label of US dollars already in millions: ``$25M``, ``−$2.5M`` (one decimal below 10, a true minus)."""
    if value == 0:
        return "$0"
    text = count_text(abs(value), 0 if abs(value) >= 10 else 1)
    return ("−" if value < 0 else "") + f"${text}M"


def plain_number(value: float, _pos=None) -> str:
    """A tick label: whole numbers with separators, others with up to 3 decimals and no trailing zeros."""
    if float(value).is_integer():
        return count_text(value)
    return count_text(value, 3).rstrip("0").rstrip(".")


def format_key(key: Any) -> str:
    """A swept value as a legend label (floats as :func:`plain_number` writes them)."""
    if isinstance(key, float):
        return plain_number(key)
    return str(key)


def sorted_keys(groups: dict) -> list:
    """The keys of ``groups`` sorted, by their text when they cannot be compared."""
    try:
        return sorted(groups)
    except TypeError:
        return sorted(groups, key=str)


def as_date(value: Any) -> dt.date:
    """A ``datetime.date`` from a NumPy datetime64, a datetime, a date or an ISO text."""
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(dt.date)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def last_date(results: Sequence[Any]) -> dt.date:
    """The latest last date of ``results``."""
    return max(as_date(r.dates[-1]) for r in results)


def day_month(date: dt.date) -> str:
    """A date as ``2 Oct 2025``."""
    return f"{date.day} {date:%b %Y}"


def with_alpha(colour: str, alpha: float) -> tuple:
    """``colour`` as an RGBA tuple with opacity ``alpha``."""
    return to_rgba(colour, alpha)
