"""The fact base: sourced figures that scenarios refer to as ``"fact:<id>"``.

``seeds/facts.toml`` holds one ``[[fact]]`` table per figure taken from a news
article in ``seeds/articles/`` (named in ``seeds/sources.toml``) and one ``[[conflict]]``
table wherever sources disagree (docs/design.md section 4)::

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
article text. This package reads files; it knows nothing of scenarios or SimPy.
"""

from .base import UNITS, Conflict, Fact, FactBase, FactError, Source, default_facts_path, find_facts_path, format_value
from .quotes import check_quotes, default_articles_dir
from .reading import load_facts, load_sources
from .show import fact_text

__all__ = [
    "UNITS", "Fact", "Conflict", "FactBase", "FactError", "Source", "default_facts_path", "find_facts_path",
    "load_facts", "load_sources", "default_articles_dir", "check_quotes", "format_value", "fact_text",
]
