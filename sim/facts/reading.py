"""Reading and checking ``seeds/facts.toml`` and ``seeds/sources.toml`` (see :mod:`sim.facts`)."""

from __future__ import annotations

import datetime
import math
import pathlib
import tomllib

from ..text import InputFileError, did_you_mean, quoted, read_text_file
from .base import UNITS, Conflict, Fact, FactBase, FactError, Source, default_facts_path

_FACT_REQUIRED = ("id", "value", "unit", "as_of", "source", "quote")
_FACT_KEYS = _FACT_REQUIRED + ("note",)
_CONFLICT_KEYS = ("facts", "note")
_TOP_KEYS = ("fact", "conflict")
_SOURCE_KEYS = ("file", "name", "title", "outlet", "date", "note")
#: The articles' names, beside the fact base.
SOURCES_FILE = "sources.toml"


def load_facts(path: pathlib.Path | None = None) -> FactBase:
    """Read and validate a fact base (default: :func:`default_facts_path`).

    Raises :class:`FactError`, naming the file and the fact id, when the file is
    missing or not valid TOML, a key is unknown or missing, an id repeats, a unit
    is not in :data:`UNITS`, a value or date has the wrong type, or a conflict
    names an unknown fact.
    """
    path = pathlib.Path(path) if path is not None else default_facts_path()
    try:
        data = _read(path)
    except InputFileError as exc:
        raise FactError(f"{path}: {'fact base not found' if exc.kind == 'missing' else f'cannot read fact base: {exc}'}") from None

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
            raise FactError(f"{path}: fact {quoted(fact.id)}: duplicate id")
        seen.add(fact.id)
        facts.append(fact)

    conflicts = [
        _parse_conflict(path, number, table, seen)
        for number, table in enumerate(raw_conflicts, start=1)
    ]
    sources = load_sources(path.parent / SOURCES_FILE)
    if sources:
        for fact in facts:
            if fact.source not in sources:
                raise FactError(f"{path}: fact {quoted(fact.id)}: source {quoted(fact.source)} is not named in "
                                f"{path.parent / SOURCES_FILE}{did_you_mean(fact.source, sources)}")
    return FactBase(path=path, facts=tuple(facts), conflicts=tuple(conflicts), sources=sources)


def load_sources(path: pathlib.Path) -> dict[str, Source]:
    """The ``[[source]]`` tables of a sources file, by file name (empty when there is no such file)."""
    try:
        data = _read(path)
    except InputFileError as exc:
        if exc.kind == "missing":
            return {}
        raise FactError(f"{path}: cannot read: {exc}") from None
    _check_keys(path, "top level", data, ("source",), ())
    tables = data.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise FactError(f"{path}: 'source' must be an array of tables ([[source]])")
    sources: dict[str, Source] = {}
    names: set[str] = set()
    for number, table in enumerate(tables, start=1):
        _check_keys(path, f"source #{number}", table, _SOURCE_KEYS, ("file", "name"))
        texts = {key: table.get(key, "") for key in _SOURCE_KEYS if key != "date"}
        for key, value in texts.items():
            if not isinstance(value, str) or (key in ("file", "name") and not value.strip()):
                raise FactError(f"{path}: source #{number}: {quoted(key)} must be a{' non-empty' if key in ('file', 'name') else ''} string")
        date = table.get("date")
        if date is not None and not _is_date(date):
            raise FactError(f"{path}: source {quoted(texts['file'])}: 'date' must be a TOML date (YYYY-MM-DD), got {quoted(date)}")
        if texts["file"] in sources or texts["name"] in names:
            raise FactError(f"{path}: source {quoted(texts['file'])}: its file or name is given twice")
        names.add(texts["name"])
        sources[texts["file"]] = Source(date=date, **texts)
    return sources


def _read(path: pathlib.Path) -> dict:
    """The TOML document of ``path``; InputFileError if it cannot be read as text, FactError if not TOML."""
    text = read_text_file(path)
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise FactError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of thousands of digits
        raise FactError(f"{path}: invalid TOML: {exc}") from None


def _check_keys(
    path: pathlib.Path, where: str, table: dict, allowed: tuple[str, ...], required: tuple[str, ...]
) -> None:
    """Raise FactError if ``table`` has a key not in ``allowed`` or lacks one in ``required``."""
    for key in table:
        if key not in allowed:
            raise FactError(f"{path}: {where}: unknown key {quoted(key)}{did_you_mean(key, allowed)}")
    for key in required:
        if key not in table:
            raise FactError(f"{path}: {where}: missing key {quoted(key)}")


def _parse_fact(path: pathlib.Path, number: int, table: dict) -> Fact:
    """The Fact of ``table`` (fact ``number`` of the file), checked; FactError naming the file and the fact."""
    fact_id = table.get("id")
    if not isinstance(fact_id, str) or not fact_id.strip():
        raise FactError(f"{path}: fact #{number}: 'id' must be a non-empty string")
    where = f"fact {quoted(fact_id)}"
    _check_keys(path, where, table, _FACT_KEYS, _FACT_REQUIRED)

    unit = table["unit"]
    if unit not in UNITS:
        raise FactError(f"{path}: {where}: unit {quoted(unit)} is not one of {', '.join(UNITS)}{did_you_mean(unit, UNITS)}")

    value = table["value"]
    if unit == "date":
        if not _is_date(value):
            raise FactError(f"{path}: {where}: a 'date' fact needs a TOML date value, got {quoted(value)}")
    elif unit == "country":
        if not isinstance(value, str) or not value.strip():
            raise FactError(f"{path}: {where}: a 'country' fact needs a country name, got {quoted(value)}")
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise FactError(f"{path}: {where}: value must be a number for unit {quoted(unit)}, got {quoted(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise FactError(f"{path}: {where}: value must be a finite number, got {quoted(value)}")
        if value < 0:
            raise FactError(f"{path}: {where}: value must be non-negative, got {quoted(value)}")
        if unit == "percent" and value > 100:
            raise FactError(f"{path}: {where}: a percent must lie in [0, 100], got {quoted(value)}")

    as_of = table["as_of"]
    if not _is_date(as_of):
        raise FactError(f"{path}: {where}: 'as_of' must be a TOML date (YYYY-MM-DD), got {quoted(as_of)}")

    source = table["source"]
    if (
        not isinstance(source, str)
        or not source.strip()
        or "/" in source
        or "\\" in source
        or source in (".", "..")
    ):
        raise FactError(f"{path}: {where}: 'source' must be a bare article file name, got {quoted(source)}")

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
    """The Conflict of ``table``: at least two distinct ``known`` fact ids and a note; FactError otherwise."""
    where = f"conflict #{number}"
    _check_keys(path, where, table, _CONFLICT_KEYS, _CONFLICT_KEYS)
    ids = table["facts"]
    if not isinstance(ids, list) or len(ids) < 2 or not all(isinstance(i, str) for i in ids):
        raise FactError(f"{path}: {where}: 'facts' must list at least two fact ids")
    for fact_id in ids:
        if fact_id not in known:
            raise FactError(f"{path}: {where}: fact {quoted(fact_id)} does not exist{did_you_mean(fact_id, sorted(known))}")
    if len(set(ids)) != len(ids):
        raise FactError(f"{path}: {where}: 'facts' repeats an id")
    note = table["note"]
    if not isinstance(note, str) or not note.strip():
        raise FactError(f"{path}: {where}: 'note' must be a non-empty string")
    return Conflict(facts=tuple(ids), note=note)


def _is_date(value: object) -> bool:
    """True for a TOML date (a ``datetime.date`` that is not a date-time)."""
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
