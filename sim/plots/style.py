"""The look shared by every chart: sizes, colours, the time axis, legends, number formats, and saving.

Charts are built with matplotlib's object-oriented API only: no ``pyplot``, and
``matplotlib.rcParams`` is never changed (every size and colour is given to the artist
that uses it), so drawing a chart leaves the process's matplotlib settings alone and
needs no GUI backend.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Sequence

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..errors import InputError

FIGSIZE = (12, 7)  # inches; at DPI this is 1200 x 700 pixels
DPI = 100

# Figure margins (fractions of the figure): room for the title at the top, the footnote at
# the bottom and the legends on the right.
LEFT, RIGHT, TOP, BOTTOM = 0.075, 0.785, 0.905, 0.125
LEGEND_X = 1.015  # legend anchor, in axes coordinates (just right of the axes)

TITLE_SIZE = 15
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


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` to ``path`` as PNG or SVG, chosen by the suffix.

    PNGs keep the figure's exact pixel size (1200 x 700 for these charts: no tight bounding
    box). SVGs carry no date and use a fixed id salt, so the same chart gives the same bytes.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        fig.savefig(path, format="png", dpi=fig.dpi, bbox_inches=None, facecolor="white")
    elif suffix == ".svg":
        # svg.hashsalt only while saving: ids derived from a fixed salt instead of a random
        # uuid; rc_context restores every setting afterwards.
        with matplotlib.rc_context({"svg.hashsalt": "mss-sim"}):
            fig.savefig(path, format="svg", dpi=fig.dpi, bbox_inches=None, facecolor="white",
                        metadata={"Date": None})
    else:
        raise InputError(f"cannot save a chart as {path.suffix or 'a file without suffix'!r}: use .png or .svg")


def figure_writer(make_figure: Callable[[], Figure]) -> Callable[[Path], None]:
    """A writer (for :func:`sim.files.write_folder`) that draws a figure and saves it to the path."""
    def write(path: Path) -> None:
        """Draw the figure and save it to ``path`` (PNG or SVG by its suffix)."""
        save_figure(make_figure(), path)

    return write


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
    formatter = mdates.ConciseDateFormatter(locator, formats=["%Y", "%b", "%d", "%H:%M", "%H:%M", "%S.%f"],
                                            offset_formats=["", "", "%b %Y", "%d %b %Y", "%d %b %Y", "%d %b %Y"])
    ax.xaxis.set_major_formatter(formatter)
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
    """A tick label: ``value`` rounded, with thousands separators (``12,500``)."""
    return f"{value:,.0f}"


def millions(value: float, _pos=None) -> str:
    """A tick label of a value already in millions: whole from 10 up, one decimal below, a true minus sign."""
    text = f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:,.1f}"
    return text.replace("-", "−")


def plain_number(value: float, _pos=None) -> str:
    """A tick label: whole numbers with separators, others with up to 3 decimals and no trailing zeros."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


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


def article(source: str) -> str:
    """A short label for an article file name: its number ("001_7e9b....txt" -> "001")."""
    stem = str(source).rsplit("/", 1)[-1]
    return stem.split("_", 1)[0] if "_" in stem else stem.rsplit(".", 1)[0]


def with_alpha(colour: str, alpha: float) -> tuple:
    """``colour`` as an RGBA tuple with opacity ``alpha``."""
    return to_rgba(colour, alpha)
