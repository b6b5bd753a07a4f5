"""Reading typed values out of a raw scenario document, recording every problem and every fact used."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ..dists import Dist, DistError
from ..facts import FactBase
from ..text import clip, did_you_mean, quoted
from .limits import FIRST_DATE, LAST_DATE, MAX_NAME_CHARS, MAX_PROBLEMS
from .lines import Locator
from .problems import Problem, key_path
from .types import FactUse

#: The keys allowed in each kind of table (the JSON Schema is derived from it).
ALLOWED = {
    "<root>": ("scenario", "mission", "assumptions", "mandate", "contingent", "funding", "correlation", "calibration",
               "posterior"),
    "scenario": ("name", "description", "start", "end", "replications", "seed", "as_of"),
    "mission": ("authorized", "target"),
    "assumptions": ("fulfilment", "slip_days", "tour_days", "attrition_per_year", "rotation"),
    "rotation": ("probability", "gap_days", "fraction"),
    "mandate": ("name", "expires", "renewal_probability", "renewed_months", "authorized_after", "drawdown_days", "remove"),
    "contingent": (
        "country", "pledged", "fulfilment", "slip_days", "tour_days", "rotation", "attrition_per_year",
        "batches", "schedule", "remove",
    ),
    "batch": ("arrive", "size", "slip_days", "known"),
    "schedule": ("first", "batches", "interval_days", "slip_days"),
    "funding": (
        "start_balance_usd", "cost_per_officer_day_usd", "fixed_cost_per_month_usd",
        "deploy_cost_per_officer_usd", "runway_days", "pledge",
    ),
    "pledge": ("donor", "amount_usd", "fulfilment", "tranches", "first", "interval_days", "slip_days", "remove",
               "in_kind"),
    "correlation": ("fulfilment", "slip_days", "pledge_fulfilment"),
    "posterior": ("file",),
}

#: The per-contingent values a scenario that says nothing gets.
DEFAULTS = {
    "fulfilment": 1.0,
    "slip_days": 0,
    "tour_days": 365,
    "attrition_per_year": 0.0,
    "rotation.probability": 1.0,
    "rotation.gap_days": 0,
    "rotation.fraction": 1.0,
}

#: What a negative value that is not allowed is told.
ONLY_SLIPS = "only slip_days and rotation.gap_days may be negative"

MISSING = object()

#: What each kind of value is measured in, as messages say it, and the fact units that may fill it.
UNITS = {
    "officers": ("officers", ("officers",)),
    "usd": ("US dollars", ("usd",)),
    "months": ("months", ("months",)),
    "days": ("days", ()),
    "fraction": ("a fraction in [0, 1]", ()),
    "per year": ("a yearly rate", ()),
    "count": ("a count", ()),
    "date": ("a date", ("date",)),
    "country": ("a country's name", ("country",)),
}


class Checker:
    """Reads values out of the raw document, recording problems and facts used."""

    def __init__(self, locator: Locator, facts: FactBase):
        self.locator = locator
        self.facts = facts
        self.problems: list[Problem] = []
        self.used: dict[str, FactUse] = {}
        self.dates: list[tuple[dt.date, tuple]] = []  # every good date read, with its key path
        self.more = 0  # problems found beyond MAX_PROBLEMS: counted, not listed

    @property
    def full(self) -> bool:
        """True once MAX_PROBLEMS problems are listed (a file of thousands of mistakes is not described line by line)."""
        return len(self.problems) >= MAX_PROBLEMS

    def problem(self, path: tuple, message: str, where: tuple | None = None) -> None:
        """Record a problem at key ``path``; ``where`` (default ``path``) is what to look up for the line."""
        if self.full:
            self.more += 1
            return
        file, line = self.locator.find(where or path)
        self.problems.append(Problem(file, line, key_path(path), message))

    def keys(self, table: Any, allowed_key: str, path: tuple) -> bool:
        """True if ``table`` is a table (its unknown keys recorded as problems); else a recorded problem and False."""
        if not isinstance(table, dict):
            self.problem(path, f"must be a table, got {kind(table)}")
            return False
        allowed = ALLOWED[allowed_key]
        for key in table:
            if key not in allowed and self.full:
                self.more += 1
            elif key not in allowed:
                self.problem(path + (key,), f"unknown key{did_you_mean(key, allowed)}; allowed here: {', '.join(allowed)}")
        return True

    def _fact(self, value: Any, path: tuple, unit: str) -> Any:
        """``value``, or the fact's value for ``"fact:<id>"`` (recorded as used); MISSING and a problem if
        unknown or in a unit that does not fit the key (``unit``, a key of :data:`UNITS`)."""
        if isinstance(value, str) and value.startswith("fact:"):
            fact_id = value[5:]
            if fact_id not in self.facts:
                self.problem(path, f"unknown fact {quoted(fact_id)}{did_you_mean(fact_id, self.facts.ids())} in {self.facts.path}")
                return MISSING
            fact = self.facts.get(fact_id)
            what, units = UNITS[unit]
            if fact.unit not in units:
                fits = (f"refer to {'a date fact' if units == ('date',) else 'a fact in ' + units[0]} or write the value "
                        "itself" if units else "no fact fits it: write the number itself")
                self.problem(path, f"fact {quoted(fact_id)} is {'a date' if fact.unit == 'date' else 'in ' + fact.unit}, "
                                   f"but {path[-1]} takes {what}; {fits}")
                return MISSING
            self.used[fact_id] = FactUse(fact_id, fact.value, fact.source, fact.quote, ".".join(map(str, path)),
                                          self.facts.source_name(fact.source))
            return fact.value
        return value

    def number(self, table: dict, key: str, path: tuple, *, default: Any = MISSING, integer: bool = False,
               low: float | None = 0, high: float | None = None, unit: str = "count") -> Any:
        """A plain number (or fact in ``unit``) in [low, high]; None and a recorded problem if wrong."""
        where = path + (key,)
        if key not in table:
            if default is MISSING:
                self.problem(where, "required key is missing")
                return None
            return default
        raw = table[key]
        if isinstance(raw, dict):
            self.problem(where, "a distribution is not allowed here; give a number")
            return None
        value = self._fact(raw, where, unit)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(where, f"must be a {'whole number' if integer else 'number'}, got {kind(value)} {show(value)}")
            return None
        if not finite(value):
            self.problem(where, f"must be a finite number, got {number_text(value)}")
            return None
        if integer and value != int(value):
            self.problem(where, f"must be a whole number, got {value!r}")
            return None
        if low is not None and value < low:
            self.problem(where, f"must be >= {number_text(low)}, got {number_text(value)}")
            return None
        if high is not None and value > high:
            self.problem(where, f"must be <= {number_text(high)}, got {number_text(value)}")
            return None
        return int(value) if integer else value

    def dist(self, table: dict, key: str, path: tuple, default: Any, *, low: float | None = 0, high: float | None = None,
             fraction: bool = False, unit: str = "days") -> Dist | None:
        """A number or distribution table (a mixture too) whose support lies in [low, high]; low None: no bound below
        (normal and lognormal may pass it)."""
        where = path + (key,)
        raw = table.get(key, default)
        if raw is None:
            return None  # the default it falls back on was wrong, and was reported there
        if isinstance(raw, Dist):
            return raw
        if isinstance(raw, dict):
            try:
                dist = Dist.from_table(raw)
            except DistError as error:
                self.problem(where + sub_path(error.key), str(error))
                return None
            parts = enumerate(dist.parts) if dist.parts else [(None, dist)]
            fits = [self._fits(part, where + (() if k is None else ("of", k)), low, high, fraction) for k, part in parts]
            return dist if all(fits) else None
        value = self._fact(raw, where, unit)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(where, f"must be a number or a distribution table, got {kind(value)} {show(value)}")
            return None
        if not finite(value):
            self.problem(where, f"must be a finite number, got {number_text(value)}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(where, f"must be {bound(value, low, high, fraction)}, got {number_text(value)}"
                                f"{negative_hint(value, low)}")
            return None
        return Dist.fixed(value)

    def _fits(self, dist: Dist, where: tuple, low: float | None, high: float | None, fraction: bool) -> bool:
        """True if one (non-mixture) distribution may stand for this value; else a recorded problem and False."""
        if dist.kind == "beta" and not fraction:
            self.problem(where, "beta is for fractions only (fulfilment, probabilities)")
            return False
        lo, hi = dist.support()
        if fraction and dist.kind in ("normal", "lognormal"):
            self.problem(where, f"a {dist.kind} distribution can leave [0, 1]; use beta, uniform or triangular for a fraction")
            return False
        if (low is not None and lo < low) or (high is not None and hi > high):
            if dist.kind not in ("normal", "lognormal") or lo == hi:
                broken = lo if low is not None and lo < low else hi
                self.problem(where, f"values must be {bound(broken, low, high, fraction)}; this {dist.kind} reaches "
                                    f"{number_text(lo)}..{number_text(hi)}"
                                    f"{negative_hint(lo, low)}")
                return False
        return True

    def flag(self, table: dict, key: str, path: tuple) -> bool | None:
        """The boolean at ``key`` (false if missing); None and a recorded problem if it is not true or false."""
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.problem(path + (key,), f"must be true or false, got {kind(value)} {show(value)}")
            return None
        return value

    def date(self, table: dict, key: str, path: tuple, required: bool = True) -> dt.date | None:
        """A date (or date fact) at ``key`` between FIRST_DATE and LAST_DATE; None and a recorded problem if
        wrong, or if missing and ``required``."""
        where = path + (key,)
        if key not in table:
            if required:
                self.problem(where, "required key is missing (a date like 2024-06-25)")
            return None
        value = self._fact(table[key], where, "date")
        if value is MISSING:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            self.problem(where, f"must be a date like 2024-06-25, got {kind(value)} {show(value)}")
            return None
        if not FIRST_DATE <= value <= LAST_DATE:
            self.problem(where, f"must be between {FIRST_DATE} and {LAST_DATE}, got {value}")
            return None
        self.dates.append((value, where))
        return value

    def string(self, table: dict, key: str, path: tuple, default: Any = MISSING, longest: int = MAX_NAME_CHARS) -> str | None:
        """The string at ``key`` of at most ``longest`` characters (``default`` if missing, else a problem);
        None and a recorded problem if wrong."""
        if key not in table:
            if default is MISSING:
                self.problem(path + (key,), "required key is missing")
                return None
            return default
        value = table[key]
        if not isinstance(value, str):
            self.problem(path + (key,), f"must be a string, got {kind(value)}")
            return None
        if len(value) > longest:
            self.problem(path + (key,), f"is {len(value):,} characters long; at most {longest:,}")
            return None
        return value

    def name(self, item: dict, ident: str, path: tuple, what: str) -> str | None:
        """The identifying name of an array item (a country or donor may be a country fact); None after a problem."""
        where = path + (ident,)
        value = item.get(ident)
        if isinstance(value, str) and value.startswith("fact:"):
            if ident == "name":
                self.problem(where, "a mandate's name is plain text; fact references are for numbers, dates and countries")
                return None
            value = self._fact(value, where, "country")
            if value is MISSING:
                return None
        if not isinstance(value, str) or not value:
            self.problem(where, f"{what} items need a non-empty {ident} string")
            return None
        if value != value.strip():  # 'Kenya ' and 'Kenya' would be two series that read the same
            self.problem(where, f"{clip(repr(value), 60)} begins or ends with white space; write it without"
                                + (" (a name needs more than white space)" if not value.strip() else ""))
            return None
        return self.string({ident: value}, ident, path)


def bound(value: float, low: float | None, high: float | None, fraction: bool) -> str:
    """The bound ``value`` breaks, as a message says it: ``in [0, 1]`` for a fraction, else ``>= low`` or ``<= high``."""
    if fraction:
        return bounds(low, high, "in")
    return f">= {number_text(low)}" if low is not None and value < low else f"<= {number_text(high)}"


def finite(value: float) -> bool:
    """True for a number that is neither infinite nor NaN (an integer of any size is finite)."""
    return isinstance(value, int) or math.isfinite(value)


def number_text(value: float) -> str:
    """A number as a message shows it: ``1.5``, ``2500``, ``1e+12``, ``nan``, ``inf``; huge integers shortened."""
    if isinstance(value, int) and abs(value) >= 10**30:
        digits = len(str(abs(value))) if value.bit_length() < 13_000 else int(value.bit_length() * 0.30103) + 1
        return f"{'-' if value < 0 else ''}a {digits:,}-digit number"
    if isinstance(value, int) or finite(value) and abs(value) < 1e16 and value == int(value):
        return f"{int(value):,}"
    return f"{value:g}"


def sub_path(key: str | None) -> tuple:
    """The key path inside a distribution table of a DistError's key (``of.1.sd`` -> ("of", 1, "sd"))."""
    parts = [int(p) if p.isdigit() else p for p in (key or "").split(".") if p]
    return tuple(parts[:-1] if parts[-1:] == ["dist"] else parts)


def bounds(low: float | None, high: float | None, word: str = "") -> str:
    """``[low, high]`` or ``>= low`` (or ``<= high``) for messages; ``word`` goes before an interval."""
    if low is not None and high is not None:
        return f"{word} [{number_text(low)}, {number_text(high)}]".strip()
    return f">= {number_text(low)}" if low is not None else f"<= {number_text(high)}"


def negative_hint(value: float, low: float | None) -> str:
    """Says which values may be negative, when ``value`` is negative where no negative is allowed."""
    return f" ({ONLY_SLIPS})" if low == 0 and value < 0 else ""


def show(value: Any) -> str:
    """``value`` as a message shows it: a date in ISO form, anything else as its repr."""
    return value.isoformat() if isinstance(value, dt.date) else clip(repr(value), 60)


def kind(value: Any) -> str:
    """The kind of a TOML value for messages: ``a number``, ``a date``, ``a table``, ..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__
