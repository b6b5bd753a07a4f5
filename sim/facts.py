"""The fact base: sourced figures that scenarios refer to as ``"fact:<id>"``.

``seeds/facts.toml`` holds one ``[[fact]]`` table per figure taken from a news
article in ``seeds/articles/`` and one ``[[conflict]]`` table wherever sources
disagree (docs/design.md section 4)::

    [[fact]]
    id = "kenya.pledged_total"
    value = 1000
    unit = "officers"
    as_of = 2024-08-27
    source = "001_7e9b22f87c9658b0.txt"
    quote = "total number of Kenyan officers in Haiti to 1,000"
    note = ""

    [[conflict]]
    facts = ["mission.start_claimed", "kenya.first_contingent"]
    note = "..."

Contract:

* ``id`` is unique; ``unit`` is one of :data:`UNITS`; ``as_of`` is a TOML date
  (not a date-time); ``source`` is a bare file name of an article; ``quote`` is a
  short verbatim fragment of that article containing the figure; ``note`` is
  optional (it explains inferences and conventions).
* ``value`` is a date for unit ``"date"``, a string for unit ``"country"``, and a
  non-negative number (int or float, never bool) for every other unit; a
  ``"percent"`` lies in [0, 100].
* A conflict names at least two existing fact ids and carries a non-empty note.

:func:`load_facts` enforces all of the above and raises :class:`FactError`
naming the file and the fact. :func:`check_quotes` checks each quote against the
article text. This module reads files; it knows nothing of scenarios or SimPy.
"""

from __future__ import annotations

import datetime
import pathlib
import tomllib
from dataclasses import dataclass, field

from .errors import SimError
from .shipped import shipped
from .text import did_you_mean, table as text_table

__all__ = [
    "UNITS",
    "Fact",
    "Conflict",
    "FactBase",
    "FactError",
    "default_facts_path",
    "find_facts_path",
    "load_facts",
    "default_articles_dir",
    "check_quotes",
    "format_value",
]

#: Units a fact may have. ``date`` facts hold a date, ``country`` facts a country
#: name; every other unit holds a number.
UNITS: tuple[str, ...] = (
    "officers",
    "usd",
    "date",
    "percent",
    "people",
    "months",
    "weeks",
    "country",
)

_FACT_REQUIRED = ("id", "value", "unit", "as_of", "source", "quote")
_FACT_KEYS = _FACT_REQUIRED + ("note",)
_CONFLICT_KEYS = ("facts", "note")
_TOP_KEYS = ("fact", "conflict")

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
class FactBase:
    """All facts and conflicts of one file, looked up by id.

    Constructing a ``FactBase`` with duplicate fact ids raises :class:`FactError`.
    """

    path: pathlib.Path
    facts: tuple[Fact, ...]
    conflicts: tuple[Conflict, ...] = ()
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
        unit, as_of, source (the article file name, cut to 12 characters) and quote,
        long cells cut with an ellipsis so that lines fit in about 120 columns.
        """
        header = ("id", "value", "unit", "as_of", "source", "quote")
        rows = [
            (f.id, format_value(f.value), f.unit, f.as_of.isoformat(), f.source, f.quote)
            for f in self.facts
        ]
        widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(5)]
        widths[0] = min(widths[0], 36)
        widths[4] = min(widths[4], 12)  # "001_7e9b22f…" still names the article
        quote_width = max(20, _TABLE_WIDTH - sum(widths) - 2 * 5)
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


def load_facts(path: pathlib.Path | None = None) -> FactBase:
    """Read and validate a fact base (default: :func:`default_facts_path`).

    Raises :class:`FactError`, naming the file and the fact id, when the file is
    missing or not valid TOML, a key is unknown or missing, an id repeats, a unit
    is not in :data:`UNITS`, a value or date has the wrong type, or a conflict
    names an unknown fact.
    """
    path = pathlib.Path(path) if path is not None else default_facts_path()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise FactError(f"{path}: fact base not found") from None
    except OSError as exc:
        raise FactError(f"{path}: cannot read fact base: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FactError(f"{path}: invalid TOML: {exc}") from None

    _check_keys(path, "top level", data, _TOP_KEYS, ())
    raw_facts = data.get("fact", [])
    raw_conflicts = data.get("conflict", [])
    if not isinstance(raw_facts, list) or not all(isinstance(t, dict) for t in raw_facts):
        raise FactError(f"{path}: 'fact' must be an array of tables ([[fact]])")
    if not isinstance(raw_conflicts, list) or not all(isinstance(t, dict) for t in raw_conflicts):
        raise FactError(f"{path}: 'conflict' must be an array of tables ([[conflict]])")

    facts: list[Fact] = []
    seen: set[str] = set()
    for number, table in enumerate(raw_facts, start=1):
        fact = _parse_fact(path, number, table)
        if fact.id in seen:
            raise FactError(f"{path}: fact {fact.id!r}: duplicate id")
        seen.add(fact.id)
        facts.append(fact)

    conflicts = [
        _parse_conflict(path, number, table, seen)
        for number, table in enumerate(raw_conflicts, start=1)
    ]
    return FactBase(path=path, facts=tuple(facts), conflicts=tuple(conflicts))


def _check_keys(
    path: pathlib.Path, where: str, table: dict, allowed: tuple[str, ...], required: tuple[str, ...]
) -> None:
    for key in table:
        if key not in allowed:
            raise FactError(f"{path}: {where}: unknown key {key!r}{did_you_mean(key, allowed)}")
    for key in required:
        if key not in table:
            raise FactError(f"{path}: {where}: missing key {key!r}")


def _parse_fact(path: pathlib.Path, number: int, table: dict) -> Fact:
    fact_id = table.get("id")
    if not isinstance(fact_id, str) or not fact_id.strip():
        raise FactError(f"{path}: fact #{number}: 'id' must be a non-empty string")
    where = f"fact {fact_id!r}"
    _check_keys(path, where, table, _FACT_KEYS, _FACT_REQUIRED)

    unit = table["unit"]
    if unit not in UNITS:
        raise FactError(f"{path}: {where}: unit {unit!r} is not one of {', '.join(UNITS)}{did_you_mean(unit, UNITS)}")

    value = table["value"]
    if unit == "date":
        if not _is_date(value):
            raise FactError(f"{path}: {where}: a 'date' fact needs a TOML date value, got {value!r}")
    elif unit == "country":
        if not isinstance(value, str) or not value.strip():
            raise FactError(f"{path}: {where}: a 'country' fact needs a country name, got {value!r}")
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FactError(f"{path}: {where}: value must be a number for unit {unit!r}, got {value!r}")
        if value < 0:
            raise FactError(f"{path}: {where}: value must be non-negative, got {value!r}")
        if unit == "percent" and value > 100:
            raise FactError(f"{path}: {where}: a percent must lie in [0, 100], got {value!r}")

    as_of = table["as_of"]
    if not _is_date(as_of):
        raise FactError(f"{path}: {where}: 'as_of' must be a TOML date (YYYY-MM-DD), got {as_of!r}")

    source = table["source"]
    if (
        not isinstance(source, str)
        or not source.strip()
        or "/" in source
        or "\\" in source
        or source in (".", "..")
    ):
        raise FactError(f"{path}: {where}: 'source' must be a bare article file name, got {source!r}")

    quote = table["quote"]
    if not isinstance(quote, str) or not quote.strip():
        raise FactError(f"{path}: {where}: 'quote' must be a non-empty string")

    note = table.get("note", "")
    if not isinstance(note, str):
        raise FactError(f"{path}: {where}: 'note' must be a string")

    return Fact(
        id=fact_id, value=value, unit=unit, as_of=as_of, source=source, quote=quote, note=note
    )


def _parse_conflict(path: pathlib.Path, number: int, table: dict, known: set[str]) -> Conflict:
    where = f"conflict #{number}"
    _check_keys(path, where, table, _CONFLICT_KEYS, _CONFLICT_KEYS)
    ids = table["facts"]
    if not isinstance(ids, list) or len(ids) < 2 or not all(isinstance(i, str) for i in ids):
        raise FactError(f"{path}: {where}: 'facts' must list at least two fact ids")
    for fact_id in ids:
        if fact_id not in known:
            raise FactError(f"{path}: {where}: fact {fact_id!r} does not exist{did_you_mean(fact_id, sorted(known))}")
    if len(set(ids)) != len(ids):
        raise FactError(f"{path}: {where}: 'facts' repeats an id")
    note = table["note"]
    if not isinstance(note, str) or not note.strip():
        raise FactError(f"{path}: {where}: 'note' must be a non-empty string")
    return Conflict(facts=tuple(ids), note=note)


def _is_date(value: object) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def default_articles_dir(base: FactBase | None = None) -> pathlib.Path | None:
    """The articles beside a fact base (``seeds/articles/``; default the shipped one's), or ``None``."""
    folder = (base.path if base is not None else default_facts_path()).parent / "articles"
    return folder if folder.is_dir() else None


def check_quotes(base: FactBase, articles_dir: pathlib.Path) -> list[str]:
    """Problems with the quotes of ``base`` against the articles in ``articles_dir``.

    One string per fact whose source file is missing or unreadable, or whose
    quote is not an exact substring of the article text (UTF-8); each string
    starts with ``fact '<id>':``. An empty list means every quote was found.
    """
    articles_dir = pathlib.Path(articles_dir)
    texts: dict[str, str | None] = {}
    problems: list[str] = []
    for fact in base.facts:
        if fact.source not in texts:
            try:
                texts[fact.source] = (articles_dir / fact.source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                texts[fact.source] = None
        text = texts[fact.source]
        if text is None:
            problems.append(
                f"fact {fact.id!r}: source {fact.source!r} not found or unreadable in {articles_dir}"
            )
        elif fact.quote not in text:
            hint = ""
            if _plain(fact.quote) in _plain(text):
                hint = " (it matches once quotes, apostrophes and spaces are normalised:"
                hint += " copy the article's exact characters)"
            problems.append(f"fact {fact.id!r}: quote {fact.quote!r} not found in {fact.source}{hint}")
    return problems


_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-", "—": "-"})


def _plain(text: str) -> str:
    return " ".join(text.translate(_PLAIN).split())
