"""The facts, their conflicts and their sources, looked up by id (see :mod:`sim.facts`)."""

from __future__ import annotations

import datetime
import pathlib
from dataclasses import dataclass, field

from ..errors import SimError
from ..shipped import shipped
from ..text import did_you_mean, table as text_table

#: Units a fact may have. ``date`` facts hold a date, ``country`` facts a country
#: name; every other unit holds a number.
UNITS: tuple[str, ...] = ("officers", "usd", "date", "percent", "people", "months", "weeks", "country")

#: Width the text table aims at.
_TABLE_WIDTH = 120


class FactError(SimError, ValueError):
    """A fact base file is missing, unreadable or breaks the contract.

    The message names the file and, where there is one, the fact id.
    """


@dataclass(frozen=True)
class Fact:
    """One sourced figure.

    ``value`` is a ``datetime.date`` when ``unit == "date"``, a ``str`` when
    ``unit == "country"``, otherwise an ``int`` or ``float``. ``as_of`` is when the
    source said it (or the best inference, explained in ``note``).
    """

    id: str
    value: int | float | str | datetime.date
    unit: str
    as_of: datetime.date
    source: str
    quote: str
    note: str = ""


@dataclass(frozen=True)
class Conflict:
    """Facts whose sources disagree, with a note on how they disagree."""

    facts: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Source:
    """An article of the fact base: its file in ``seeds/articles/`` and a short name for charts and footers."""

    file: str
    name: str
    title: str = ""
    outlet: str = ""
    date: datetime.date | None = None
    note: str = ""


@dataclass(frozen=True)
class FactBase:
    """All facts and conflicts of one file, looked up by id.

    Constructing a ``FactBase`` with duplicate fact ids raises :class:`FactError`.
    """

    path: pathlib.Path
    facts: tuple[Fact, ...]
    conflicts: tuple[Conflict, ...] = ()
    #: the articles by file name (from ``sources.toml`` beside the fact base; empty without one)
    sources: dict[str, Source] = field(default_factory=dict, compare=False)
    _index: dict[str, Fact] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Fact] = {}
        for fact in self.facts:
            if fact.id in index:
                raise FactError(f"{self.path}: fact {fact.id!r}: duplicate id")
            index[fact.id] = fact
        object.__setattr__(self, "_index", index)

    def get(self, fact_id: str) -> Fact:
        """The fact with this id.

        Raises ``KeyError`` whose message names the file and suggests the nearest
        existing ids when there is no such fact.
        """
        try:
            return self._index[fact_id]
        except KeyError:
            pass
        raise KeyError(f"unknown fact id {fact_id!r} in {self.path}{did_you_mean(fact_id, self._index, n=3)}") from None

    def source_name(self, file: str) -> str:
        """The short human name of an article (its file name if ``sources.toml`` does not name it)."""
        source = self.sources.get(file)
        return source.name if source is not None else file

    def __contains__(self, fact_id: object) -> bool:
        return fact_id in self._index

    def __len__(self) -> int:
        return len(self.facts)

    def ids(self) -> list[str]:
        """Fact ids in file order."""
        return [fact.id for fact in self.facts]

    def table(self) -> str:
        """A fixed-width text table of the facts, about 120 columns wide.

        Columns: id, value (numbers with thousands separators, right-aligned),
        unit, as_of, source (the article's short name, cut to 20 characters) and quote,
        long cells cut with an ellipsis so that lines fit in about 120 columns.
        """
        header = ("id", "value", "unit", "as_of", "source", "quote")
        rows = [
            (f.id, format_value(f.value), f.unit, f.as_of.isoformat(), self.source_name(f.source), f.quote)
            for f in self.facts
        ]
        widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(5)]
        widths[0] = min(widths[0], 36)
        widths[4] = min(widths[4], 20)  # the article's short name, cut
        quote_width = max(30, _TABLE_WIDTH - sum(widths) - 2 * 5)
        return "\n".join(text_table(header, rows, "lrllll", max_widths=widths + [None], fixed={5: quote_width}, rule=True))


def format_value(value: int | float | str | datetime.date) -> str:
    """A fact value as text: numbers with thousands separators, dates in ISO form."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def default_facts_path() -> pathlib.Path:
    """The shipped fact base: ``seeds/facts.toml``."""
    return shipped("seeds") / "facts.toml"


def find_facts_path(start: pathlib.Path) -> pathlib.Path:
    """The first ``seeds/facts.toml`` found in ``start`` or one of its parents.

    ``start`` is a directory (a file is taken as its directory). Falls back to
    :func:`default_facts_path` when none is found; the result may then not exist.
    """
    start = pathlib.Path(start).resolve()
    if start.is_file():
        start = start.parent
    for folder in (start, *start.parents):
        candidate = folder / "seeds" / "facts.toml"
        if candidate.is_file():
            return candidate
    return default_facts_path()
