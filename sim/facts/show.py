"""One fact in full, for ``sim facts ID``: value, unit, date, quote, article, note and the conflicts it is in."""

from __future__ import annotations

import textwrap
from typing import Sequence

from ..text import did_you_mean
from .base import FactBase, FactError, format_value


def fact_text(base: FactBase, ids: Sequence[str]) -> str:
    """Every fact named by ``ids`` (an id, or the start of ids: ``kenya.`` shows Kenya's facts) in full.

    Raises :class:`FactError` for a name that is neither an id nor the start of one, with the nearest ids.
    """
    chosen: list[str] = []
    for name in ids:
        matches = [name] if name in base else [i for i in base.ids() if i.startswith(name)]
        if not matches:
            raise FactError(f"no fact {name!r} in {base.path}{did_you_mean(name, base.ids(), n=3)}; "
                            "sim facts lists them all")
        chosen += [m for m in matches if m not in chosen]
    return "\n\n".join(_one(base, fact_id) for fact_id in chosen)


def _one(base: FactBase, fact_id: str) -> str:
    """The lines of one fact."""
    fact = base.get(fact_id)
    source = base.sources.get(fact.source)
    lines = [fact.id,
             f"  value:    {format_value(fact.value)} ({fact.unit})",
             f"  as of:    {fact.as_of.isoformat()}",
             f"  source:   {base.source_name(fact.source)} ({fact.source})"]
    if source is not None and (source.title or source.outlet):
        lines.append(f"            {' — '.join(x for x in (source.title, source.outlet) if x)}")
    lines += _wrapped("quote:", f"“{fact.quote}”")
    if fact.note:
        lines += _wrapped("note:", fact.note)
    for conflict in base.conflicts:
        if fact.id in conflict.facts:
            others = ", ".join(f for f in conflict.facts if f != fact.id)
            lines += _wrapped("conflict:", f"with {others}: {conflict.note}")
    return "\n".join(lines)


def _wrapped(label: str, text: str) -> list[str]:
    """``label`` and ``text`` wrapped to about 100 columns, continuation lines indented under the text."""
    return textwrap.wrap(text, 100, initial_indent=f"  {label:<10}", subsequent_indent=" " * 12) or [f"  {label}"]
