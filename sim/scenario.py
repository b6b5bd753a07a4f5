"""Scenario files: load, merge ``extends``, resolve facts, validate, and build a typed Scenario.

The contract is DESIGN.md section 3; the README shows it by example. Loading never
raises anything but :class:`ScenarioError`, which carries every problem found as
``FILE:LINE: key.path: message``.

Key paths name array items by their identifying key where they have one
(``contingent.Kenya.batches.2.size``, ``mandate.UNSC 2699.expires``,
``funding.pledge.United States.amount_usd``) and by their index otherwise.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from . import facts as factbase
from .dists import Dist, DistError

# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        if self.file.startswith("--"):  # a command-line option: "--set KEY: message"
            return f"{self.file} {self.path}: {self.message}"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        # in reading order: file by file (as first met), by line, problems without a line last
        files: dict[str, int] = {}
        for problem in problems:
            files.setdefault(problem.file, len(files))
        self.problems = sorted(problems, key=lambda p: (files[p.file], p.line is None, p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- the typed scenario


@dataclass(frozen=True)
class Batch:
    """A planned group of a contingent's first tour."""

    planned: dt.date
    size: int
    slip_days: Dist


@dataclass(frozen=True)
class Contingent:
    country: str
    pledged: int
    fulfilment: Dist
    tour_days: Dist
    relief_probability: Dist
    relief_gap_days: Dist
    attrition_per_year: Dist
    batches: tuple[Batch, ...]


@dataclass(frozen=True)
class Mandate:
    name: str
    expires: dt.date
    renewal_probability: Dist
    renewed_months: int
    authorized_after: int | None
    drawdown_days: int


@dataclass(frozen=True)
class Pledge:
    donor: str
    amount_usd: float
    fulfilment: Dist
    tranches: int
    first: dt.date
    interval_days: int
    slip_days: Dist


@dataclass(frozen=True)
class Funding:
    start_balance_usd: float
    cost_per_officer_day_usd: float
    fixed_cost_per_month_usd: float
    deploy_cost_per_officer_usd: float
    runway_days: int
    pledges: tuple[Pledge, ...]


@dataclass(frozen=True)
class FactUse:
    """A fact a scenario used: where (key path) and what the fact base says of it."""

    id: str
    value: Any
    source: str
    quote: str
    path: str


@dataclass(frozen=True)
class Scenario:
    """A validated, immutable scenario. Build it with :func:`load` or :meth:`with_overrides`."""

    name: str
    description: str
    start: dt.date
    end: dt.date
    replications: int
    seed: int
    authorized: int
    target: int
    contingents: tuple[Contingent, ...]
    mandates: tuple[Mandate, ...]
    funding: Funding | None
    facts_used: tuple[FactUse, ...]
    source: str
    hash: str
    document: dict = field(repr=False, compare=False)
    facts_path: str = field(default="", repr=False, compare=False)
    #: the dotted-path values ``with_overrides`` applied to the file's scenario (for provenance)
    overrides: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def days(self) -> int:
        """Number of days in the run (day 0 is ``start``, the last day is ``end``)."""
        return (self.end - self.start).days + 1

    def day(self, date: dt.date) -> int:
        """The day number of ``date`` (negative before ``start``)."""
        return (date - self.start).days

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def mandate_chain(self) -> list[tuple[Mandate, int, dt.date]]:
        """(mandate, occurrence, date) of every renewal decision up to ``end``, in date order: the
        listed mandates (occurrence 0), then the last one again every ``renewed_months`` (1, 2, ...)."""
        out = [(mandate, 0, mandate.expires) for mandate in self.mandates if mandate.expires <= self.end]
        if self.mandates and self.mandates[-1].renewed_months > 0:
            last = self.mandates[-1]
            k = 1
            while (date := add_months(last.expires, k * last.renewed_months)) <= self.end:
                out.append((last, k, date))
                k += 1
        return out

    def deadlines(self) -> list[tuple[str, dt.date]]:
        """(label, date) of every mandate deadline within the run: the listed ones, then renewals of the last."""
        return [
            (mandate.name if k == 0 else f"{mandate.name} +{k * mandate.renewed_months}m", date)
            for mandate, k, date in self.mandate_chain()
            if date >= self.start
        ]

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Scenario":
        """A validated variant with dotted-path values replaced.

        ``{"assumptions.fulfilment": 0.5, "contingent.Kenya.tour_days": 180,
        "mandate.0.renewal_probability": 0.5}``. Array items are addressed by their
        identifying key (country, name, donor) or their index. Raises ScenarioError.
        """
        document = copy.deepcopy(self.document)
        problems = []
        for key, value in overrides.items():
            try:
                set_path(document, key, value)
            except KeyError as error:
                problems.append(Problem("override", None, key, error.args[0]))
        if problems:
            raise ScenarioError(problems)
        source = Path(self.source)
        try:
            built = _build(document, _Locator([], source), source, factbase.load_facts(Path(self.facts_path)))
            return replace(built, overrides={**self.overrides, **copy.deepcopy(dict(overrides))})
        except ScenarioError as error:  # what an override itself got wrong is the override's, not the file's
            raise ScenarioError([
                Problem("override", None, p.path, p.message)
                if any(p.path == key or p.path.startswith(key + ".") for key in overrides) else p
                for p in error.problems
            ]) from None

    def summary_text(self) -> str:
        """A readable multi-line description for terminals."""
        lines = [
            f"Scenario {self.name!r}  ({self.start} to {self.end}, {self.days} days)",
            f"  authorized {self.authorized:,}   target {self.target:,}   hash {self.hash[:12]}",
        ]
        for c in self.contingents:
            lines.append(
                f"  {c.country:<16} pledged {c.pledged:>6,}  fulfilment {c.fulfilment}  "
                f"tour {c.tour_days}d  {len(c.batches)} batches from {c.batches[0].planned if c.batches else '-'}"
            )
        for m in self.mandates:
            lines.append(f"  mandate {m.name}: expires {m.expires}, renewal p={m.renewal_probability}")
        if self.funding:
            total = sum(p.amount_usd for p in self.funding.pledges)
            lines.append(f"  funding: {len(self.funding.pledges)} pledges, ${total:,.0f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary_text()

    def _repr_html_(self) -> str:
        """A compact HTML table for Jupyter (see :mod:`sim.display`)."""
        from .display import scenario_html

        return scenario_html(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Readable text in IPython terminals and text outputs (see :mod:`sim.display`)."""
        from .display import pretty

        pretty(self, printer, cycle)


# --------------------------------------------------------------------------- loading


def load(path: str | Path) -> Scenario:
    """Load, merge, resolve and validate a scenario file. Raises :class:`ScenarioError`."""
    path = Path(path)
    locator = _Locator([], path)
    document = _read_with_extends(path, [], locator)
    facts = factbase.load_facts(factbase.find_facts_path(path.resolve().parent))
    return _build(document, locator, path, facts)


def _read_toml(path: Path, locator: "_Locator") -> dict:
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(name, None, "<file>", "no such file")])
    except IsADirectoryError:
        raise ScenarioError([Problem(name, None, "<file>", f"is a folder; give scenario files, e.g. {name.rstrip('/')}/*.toml")])
    except OSError as error:
        raise ScenarioError([Problem(name, None, "<file>", f"cannot read: {error.strerror}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(name, None, "<toml>", "not a text file (not UTF-8); a scenario is a TOML text file")])
    if "\x00" in text:
        raise ScenarioError([Problem(name, None, "<toml>", "not a text file (contains NUL bytes)")])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ScenarioError([Problem(name, line, "<toml>", f"invalid TOML: {message}")])
    locator.files.append((path, text, document))
    return document


def _read_with_extends(path: Path, chain: list[Path], locator: "_Locator") -> dict:
    resolved = path.resolve()
    document = dict(_read_toml(path, locator))
    parent_name = document.pop("extends", None)
    if parent_name is None:
        return document
    line = locator.line_of(path, ("extends",))
    if not isinstance(parent_name, str):
        raise ScenarioError([Problem(str(path), line, "extends", "must be a file path string")])
    parent_path = Path(os.path.normpath(path.parent / parent_name))
    if not parent_path.is_file():
        raise ScenarioError([Problem(str(path), line, "extends", f"no such file: {parent_path}")])
    if parent_path.resolve() in chain + [resolved]:
        cycle = " -> ".join(p.name for p in chain + [resolved, parent_path.resolve()])
        raise ScenarioError([Problem(str(path), line, "extends", f"extends cycle: {cycle}")])
    parent = _read_with_extends(parent_path, chain + [resolved], locator)
    _check_removals(parent, document, path, locator)
    return merge(parent, document)


def _check_removals(parent: dict, child: dict, path: Path, locator: "_Locator") -> None:
    """``remove = true`` must name an item the parent has (a typo would otherwise be silently ignored)."""
    problems = []
    for key, ident, parent_items, child_items in (
        ("contingent", "country", parent.get("contingent"), child.get("contingent")),
        ("mandate", "name", parent.get("mandate"), child.get("mandate")),
        ("pledge", "donor", (parent.get("funding") or {}).get("pledge"), (child.get("funding") or {}).get("pledge")),
    ):
        names = [item.get(ident) for item in parent_items or [] if isinstance(item, dict)]
        for item in child_items or []:
            if isinstance(item, dict) and item.get("remove") is True and item.get(ident) not in names:
                where = (("funding",) if key == "pledge" else ()) + (key, item.get(ident), "remove")
                problems.append(Problem(
                    str(path), locator.line_of(path, where), ".".join(map(str, where)),
                    f"nothing to remove: the parent has no {ident} {item.get(ident)!r}{_suggest(item.get(ident), names)}",
                ))
    if problems:
        raise ScenarioError(problems)


#: Arrays of tables and the key that identifies their items when merging and in key paths.
ITEM_KEYS = {"contingent": "country", "mandate": "name", "pledge": "donor"}


def merge(parent: dict, child: dict) -> dict:
    """Merge ``child`` over ``parent`` as DESIGN.md section 3 says (returns a new dict)."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key in ITEM_KEYS and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_items(out[key], value, ITEM_KEYS[key])
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_items(parents: list, children: list, ident: str) -> list:
    out = copy.deepcopy(parents)
    for child in children:
        if not isinstance(child, dict):
            out.append(child)
            continue
        match = next((i for i, item in enumerate(out) if isinstance(item, dict) and item.get(ident) == child.get(ident)), None)
        if child.get("remove") is True:
            if match is not None:
                del out[match]
            continue
        if match is None:
            out.append(copy.deepcopy(child))
            continue
        merged = merge(out[match], child)
        for chosen, other in (("schedule", "batches"), ("batches", "schedule")):
            if chosen in child and other not in child:
                merged.pop(other, None)  # a child that gives a schedule replaces the parent's batches
        out[match] = merged
    return out


def set_path(document: dict, dotted: str, value: Any) -> None:
    """Set ``value`` at a dotted override path in a raw scenario document (KeyError if no such place)."""
    parts = dotted.split(".")
    node: Any = document
    i = 0
    while i < len(parts) - 1:
        part = parts[i]
        if isinstance(node, dict):
            if part not in node:  # a table not written yet; validation names unknown keys
                node[part] = {}
            node = node[part]
            i += 1
            continue
        if isinstance(node, list):
            # match an item by index or by its identifying key; names may contain dots
            found = None
            for j in range(len(parts) - 1, i, -1):
                label = ".".join(parts[i:j])
                found = _find_item(node, label)
                if found is not None:
                    node, i = found, j
                    break
            if found is None:
                labels = [str(_item_label(item, k)) for k, item in enumerate(node)]
                numbered = f" (or their number, 0 to {len(node) - 1})" if node else ""
                raise KeyError(f"no item {parts[i]!r}{_suggest(parts[i], labels)}; items: {', '.join(labels)}{numbered}")
            continue
        raise KeyError(f"{'.'.join(parts[:i])} is a value, not a table")
    if not isinstance(node, dict):
        raise KeyError(f"{'.'.join(parts[:-1])} is not a table")
    node[parts[-1]] = value


def _find_item(items: list, label: str):
    for k, item in enumerate(items):
        if isinstance(item, dict) and (str(_item_label(item, k)) == label or str(k) == label):
            return item
    return None


def _item_label(item: Any, index: int) -> Any:
    if isinstance(item, dict):
        for ident in ("country", "name", "donor"):
            if isinstance(item.get(ident), str) and item[ident]:
                return item[ident]
    return index


def _suggest(word: str, options) -> str:
    """" (did you mean 'x'?)" for the nearest option, or ""."""
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not close:
        close = [o for o in options if len(str(word)) >= 3 and (o.startswith(str(word)) or str(word).startswith(o))]
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- line numbers


class _Locator:
    """Finds the line of a key path in the files of an ``extends`` chain (child first)."""

    def __init__(self, files: list, main: Path):
        self.files = files  # (path, text, parsed document), in reading order: child first
        self.main = main

    def find(self, path: tuple) -> tuple[str, int | None]:
        for file, text, document in self.files:
            line = _find_line(text, document, path)
            if line is not None:
                return str(file), line
        return str(self.main), None

    def line_of(self, file: Path, path: tuple) -> int | None:
        for f, text, document in self.files:
            if f == file:
                return _find_line(text, document, path)
        return None


class _Index(int):
    """An array item addressed by position when looking up a line (its label may not be unique)."""


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")


def _find_line(text: str, document: dict, path: tuple) -> int | None:
    """Best-effort line of ``path`` (a tuple of keys and item labels) in one TOML file."""
    lines = text.splitlines()
    if not path:
        return None
    # locate the section: [table] or the k-th [[array]] header of this file
    head, rest = path[0], list(path[1:])
    section = head
    node = document.get(head)
    if head == "funding" and rest[:1] == ["pledge"]:
        section, rest, node = "funding.pledge", rest[1:], (node or {}).get("pledge") if isinstance(node, dict) else None
    start, stop = 0, len(lines)
    if isinstance(node, list):
        if rest:
            label, rest = rest[0], rest[1:]
            if isinstance(label, _Index):
                index = int(label)
            else:
                index = next((k for k, item in enumerate(node) if str(_item_label(item, k)) == str(label)), None)
        else:
            index = 0
        if index is None:
            return None
        headers = [i for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m.group(1) == section and line.strip().startswith("[[")]
        if index < len(headers):
            start = headers[index]
            stop = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
        else:
            return None
    else:
        headers = [i for i, line in enumerate(lines) if (m := _HEADER.match(line)) and m.group(1) == section]
        if headers:
            start = headers[0]
            stop = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
        elif head in document:
            rest = [head] + rest
            start, stop = 0, next((i for i, line in enumerate(lines) if _HEADER.match(line)), len(lines))
        else:
            return None
    found = start
    cursor = start
    for part in rest:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            # the (k+1)-th inline table after the cursor
            count, k = -1, int(part)
            for i in range(cursor, stop):
                count += lines[i].count("{")
                if count >= k:
                    found = cursor = i
                    break
            continue
        pattern = re.compile(r"(^|[\s{,.])" + re.escape(str(part)) + r"\s*[=.]")
        for i in range(cursor, stop):
            if pattern.search(lines[i]):
                found = cursor = i
                break
    return found + 1


# --------------------------------------------------------------------------- validation and building

_ALLOWED = {
    "<root>": ("scenario", "mission", "assumptions", "mandate", "contingent", "funding"),
    "scenario": ("name", "description", "start", "end", "replications", "seed"),
    "mission": ("authorized", "target"),
    "assumptions": ("fulfilment", "slip_days", "tour_days", "attrition_per_year", "rotation"),
    "rotation": ("probability", "gap_days"),
    "mandate": ("name", "expires", "renewal_probability", "renewed_months", "authorized_after", "drawdown_days", "remove"),
    "contingent": (
        "country", "pledged", "fulfilment", "slip_days", "tour_days", "rotation", "attrition_per_year",
        "batches", "schedule", "remove",
    ),
    "batch": ("arrive", "size", "slip_days"),
    "schedule": ("first", "batches", "interval_days", "slip_days"),
    "funding": (
        "start_balance_usd", "cost_per_officer_day_usd", "fixed_cost_per_month_usd",
        "deploy_cost_per_officer_usd", "runway_days", "pledge",
    ),
    "pledge": ("donor", "amount_usd", "fulfilment", "tranches", "first", "interval_days", "slip_days", "remove"),
}

DEFAULTS = {
    "fulfilment": 1.0,
    "slip_days": 0,
    "tour_days": 365,
    "attrition_per_year": 0.0,
    "rotation.probability": 1.0,
    "rotation.gap_days": 0,
}

_MISSING = object()


class _Checker:
    """Reads values out of the raw document, recording problems and facts used."""

    def __init__(self, locator: _Locator, facts: factbase.FactBase):
        self.locator = locator
        self.facts = facts
        self.problems: list[Problem] = []
        self.used: dict[str, FactUse] = {}

    def problem(self, path: tuple, message: str, where: tuple | None = None) -> None:
        """Record a problem at key ``path``; ``where`` (default ``path``) is what to look up for the line."""
        file, line = self.locator.find(where or path)
        self.problems.append(Problem(file, line, ".".join(str(p) for p in path), message))

    def keys(self, table: Any, allowed_key: str, path: tuple) -> bool:
        if not isinstance(table, dict):
            self.problem(path, f"must be a table, got {_kind(table)}")
            return False
        allowed = _ALLOWED[allowed_key]
        for key in table:
            if key not in allowed:
                self.problem(path + (key,), f"unknown key{_suggest(key, allowed)}; allowed here: {', '.join(allowed)}")
        return True

    def _fact(self, value: Any, path: tuple) -> Any:
        if isinstance(value, str) and value.startswith("fact:"):
            fact_id = value[5:]
            if fact_id not in self.facts:
                self.problem(path, f"unknown fact {fact_id!r}{_suggest(fact_id, self.facts.ids())} in {self.facts.path}")
                return _MISSING
            fact = self.facts.get(fact_id)
            self.used[fact_id] = FactUse(fact_id, fact.value, fact.source, fact.quote, ".".join(map(str, path)))
            return fact.value
        return value

    def number(self, table: dict, key: str, path: tuple, *, default: Any = _MISSING, integer: bool = False,
               low: float | None = 0, high: float | None = None) -> Any:
        """A plain number (or fact) in [low, high]; None and a recorded problem if wrong."""
        where = path + (key,)
        if key not in table:
            if default is _MISSING:
                self.problem(where, "required key is missing")
                return None
            return default
        raw = table[key]
        if isinstance(raw, dict):
            self.problem(where, "a distribution is not allowed here; give a number")
            return None
        value = self._fact(raw, where)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(where, f"must be a {'whole number' if integer else 'number'}, got {_kind(value)} {_show(value)}")
            return None
        if not math.isfinite(value):
            self.problem(where, f"must be finite, got {value!r}")
            return None
        if integer and value != int(value):
            self.problem(where, f"must be a whole number, got {value!r}")
            return None
        if low is not None and value < low:
            self.problem(where, f"must be >= {low:g}, got {value:g}")
            return None
        if high is not None and value > high:
            self.problem(where, f"must be <= {high:g}, got {value:g}")
            return None
        return int(value) if integer else value

    def dist(self, table: dict, key: str, path: tuple, default: Any, *, low: float = 0, high: float | None = None,
             fraction: bool = False) -> Dist | None:
        """A number or distribution table whose support lies in [low, high]."""
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
                self.problem(where + ((error.key,) if error.key and error.key != "dist" else ()), str(error))
                return None
            if dist.kind == "beta" and not fraction:
                self.problem(where, "beta is for fractions only (fulfilment, probabilities)")
                return None
            lo, hi = dist.support()
            if fraction and dist.kind in ("normal", "lognormal"):
                self.problem(where, f"a {dist.kind} distribution can leave [0, 1]; use beta, uniform or triangular for a fraction")
                return None
            if lo < low or (high is not None and hi > high):
                bound = f"[{low:g}, {high:g}]" if high is not None else f">= {low:g}"
                if dist.kind not in ("normal", "lognormal") or lo == hi:
                    self.problem(where, f"values must be {bound}; this {dist.kind} reaches {lo:g}..{hi:g}")
                    return None
            return dist
        value = self._fact(raw, where)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(where, f"must be a number or a distribution table, got {_kind(value)} {_show(value)}")
            return None
        if value < low or (high is not None and value > high):
            bound = f"in [{low:g}, {high:g}]" if high is not None else f">= {low:g}"
            self.problem(where, f"must be {bound}, got {value:g}")
            return None
        return Dist.fixed(value)

    def date(self, table: dict, key: str, path: tuple, required: bool = True) -> dt.date | None:
        where = path + (key,)
        if key not in table:
            if required:
                self.problem(where, "required key is missing (a date like 2024-06-25)")
            return None
        value = self._fact(table[key], where)
        if value is _MISSING:
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            self.problem(where, f"must be a date like 2024-06-25, got {_kind(value)} {_show(value)}")
            return None
        return value

    def string(self, table: dict, key: str, path: tuple, default: Any = _MISSING) -> str | None:
        if key not in table:
            if default is _MISSING:
                self.problem(path + (key,), "required key is missing")
                return None
            return default
        value = table[key]
        if not isinstance(value, str):
            self.problem(path + (key,), f"must be a string, got {_kind(value)}")
            return None
        return value


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _kind(value: Any) -> str:
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


def _build(document: dict, locator: _Locator, source: Path, facts: factbase.FactBase) -> Scenario:
    check = _Checker(locator, facts)
    root = document
    check.keys(root, "<root>", ())

    meta = root.get("scenario", _MISSING)
    if meta is _MISSING:
        check.problem(("scenario",), "missing required table [scenario] (name, start, end)")
        meta = {"name": "", "start": None, "end": None}
    elif not check.keys(meta, "scenario", ("scenario",)):
        meta = {}
    name = check.string(meta, "name", ("scenario",))
    description = check.string(meta, "description", ("scenario",), default="")
    start = check.date(meta, "start", ("scenario",)) if meta.get("start", 0) is not None else None
    end = check.date(meta, "end", ("scenario",)) if meta.get("end", 0) is not None else None
    if start and end and end <= start:
        check.problem(("scenario", "end"), f"must be after scenario.start ({start}), got {end}")
    replications = check.number(meta, "replications", ("scenario",), default=1000, integer=True, low=1)
    seed = check.number(meta, "seed", ("scenario",), default=0, integer=True, low=0)

    mission = root.get("mission", _MISSING)
    if mission is _MISSING:
        check.problem(("mission",), "missing required table [mission] (authorized)")
        mission = {"authorized": 0}
    elif not check.keys(mission, "mission", ("mission",)):
        mission = {}
    authorized = check.number(mission, "authorized", ("mission",), integer=True)
    target = check.number(mission, "target", ("mission",), default=authorized, integer=True)

    assumptions = root.get("assumptions", {})
    if not check.keys(assumptions, "assumptions", ("assumptions",)):
        assumptions = {}
    base = _contingent_defaults(check, assumptions, ("assumptions",), DEFAULTS)

    contingents = _items(check, root, "contingent", "country", _contingent, base)
    if "contingent" not in root or (isinstance(root.get("contingent"), list) and not root["contingent"]):
        check.problem(("contingent",), "at least one [[contingent]] is required")
    mandates = sorted(_items(check, root, "mandate", "name", _mandate, authorized), key=lambda m: m.expires)

    funding = None
    if "funding" in root:
        funding = _funding(check, root["funding"])

    if check.problems:
        raise ScenarioError(check.problems)
    resolved = _resolved_document(document, facts)
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()
    return Scenario(
        name=name, description=description, start=start, end=end, replications=replications, seed=seed,
        authorized=authorized, target=target, contingents=tuple(contingents), mandates=tuple(mandates),
        funding=funding, facts_used=tuple(check.used[k] for k in sorted(check.used)), source=str(source),
        hash=digest, document=copy.deepcopy(document), facts_path=str(facts.path),
    )


def _items(check: _Checker, root: dict, key: str, ident: str, build, context, prefix: tuple = ()) -> list:
    items = root.get(key, [])
    if not isinstance(items, list):
        check.problem(prefix + (key,), f"must be an array of tables ([[{key}]]), got {_kind(items)}")
        return []
    out, seen = [], set()
    for index, item in enumerate(items):
        label = _item_label(item, index)
        path = prefix + (key, label)
        if not isinstance(item, dict):
            check.problem(path, f"must be a table, got {_kind(item)}")
            continue
        value = item.get(ident)
        if not isinstance(value, str) or not value:
            check.problem(path + (ident,), f"{key} items need a non-empty {ident} string")
            continue
        if value in seen:
            check.problem(path + (ident,), f"duplicate {ident} {value!r}: each {key} must be unique",
                          where=prefix + (key, _Index(index), ident))
            continue
        seen.add(value)
        built = build(check, item, path, context)
        if built is not None:
            out.append(built)
    return out


def _contingent_defaults(check: _Checker, table: dict, path: tuple, base: dict) -> dict:
    """The per-contingent stochastic values, from ``table`` falling back on ``base``."""
    out = {
        "fulfilment": check.dist(table, "fulfilment", path, base["fulfilment"], high=1, fraction=True),
        "slip_days": check.dist(table, "slip_days", path, base["slip_days"]),
        "tour_days": check.dist(table, "tour_days", path, base["tour_days"], low=1),
        "attrition_per_year": check.dist(table, "attrition_per_year", path, base["attrition_per_year"]),
    }
    rotation = table.get("rotation", {})
    if check.keys(rotation, "rotation", path + ("rotation",)):
        out["rotation.probability"] = check.dist(
            rotation, "probability", path + ("rotation",), base["rotation.probability"], high=1, fraction=True
        )
        out["rotation.gap_days"] = check.dist(rotation, "gap_days", path + ("rotation",), base["rotation.gap_days"])
    else:
        out["rotation.probability"] = out["rotation.gap_days"] = None
    return out


def _contingent(check: _Checker, item: dict, path: tuple, base: dict) -> Contingent | None:
    check.keys(item, "contingent", path)
    pledged = check.number(item, "pledged", path, integer=True)
    values = _contingent_defaults(check, item, path, base)
    has_batches, has_schedule = "batches" in item, "schedule" in item
    batches: list[Batch] = []
    if has_batches and has_schedule:
        check.problem(path + ("schedule",), "give exactly one of batches and schedule, not both")
    elif not has_batches and not has_schedule:
        check.problem(path, "needs batches = [...] or schedule = {...}")
    elif has_batches:
        raw = item["batches"]
        if not isinstance(raw, list) or not raw:
            check.problem(path + ("batches",), "must be a non-empty array of {arrive, size} tables")
        else:
            for k, batch in enumerate(raw):
                where = path + ("batches", k)
                if not check.keys(batch, "batch", where):
                    continue
                arrive = check.date(batch, "arrive", where)
                size = check.number(batch, "size", where, integer=True)
                slip = check.dist(batch, "slip_days", where, values["slip_days"])
                if None not in (arrive, size, slip):
                    batches.append(Batch(arrive, size, slip))
            if pledged is not None and len(batches) == len(raw):
                total = sum(b.size for b in batches)
                if total != pledged:
                    check.problem(path + ("batches",), f"batch sizes sum to {total:,} but pledged is {pledged:,}; they must be equal")
    else:
        schedule = item["schedule"]
        where = path + ("schedule",)
        if check.keys(schedule, "schedule", where):
            first = check.date(schedule, "first", where)
            count = check.number(schedule, "batches", where, integer=True, low=1)
            interval = check.number(schedule, "interval_days", where, default=0, integer=True)
            slip = check.dist(schedule, "slip_days", where, values["slip_days"])
            if None not in (first, count, interval, slip, pledged):
                sizes = split_evenly(pledged, count)
                try:
                    batches = [Batch(first + dt.timedelta(days=k * interval), sizes[k], slip) for k in range(count)]
                except OverflowError:
                    check.problem(where + ("interval_days",), "the schedule runs past the year 9999; use fewer batches or a shorter interval")
    if pledged is None or None in values.values() or not batches:
        return None
    return Contingent(
        country=item["country"], pledged=pledged, fulfilment=values["fulfilment"], tour_days=values["tour_days"],
        relief_probability=values["rotation.probability"], relief_gap_days=values["rotation.gap_days"],
        attrition_per_year=values["attrition_per_year"], batches=tuple(batches),
    )


def _mandate(check: _Checker, item: dict, path: tuple, authorized: int | None) -> Mandate | None:
    check.keys(item, "mandate", path)
    expires = check.date(item, "expires", path)
    renewal = check.dist(item, "renewal_probability", path, 1.0, high=1, fraction=True)
    months = check.number(item, "renewed_months", path, default=12, integer=True, high=1200)
    after = check.number(item, "authorized_after", path, default=None, integer=True)
    drawdown = check.number(item, "drawdown_days", path, default=0, integer=True)
    if None in (expires, renewal, months, drawdown):
        return None
    return Mandate(item["name"], expires, renewal, months, after, drawdown)


def _funding(check: _Checker, table: Any) -> Funding | None:
    path = ("funding",)
    if not check.keys(table, "funding", path):
        return None
    values = {
        key: check.number(table, key, path, default=0)
        for key in ("cost_per_officer_day_usd", "fixed_cost_per_month_usd", "deploy_cost_per_officer_usd")
    }
    values["start_balance_usd"] = check.number(table, "start_balance_usd", path, default=0, low=None)
    runway = check.number(table, "runway_days", path, default=0, integer=True)
    pledges = _items(check, table, "pledge", "donor", _pledge, None, prefix=("funding",))
    if None in values.values() or runway is None:
        return None
    return Funding(runway_days=runway, pledges=tuple(pledges), **values)


def _pledge(check: _Checker, item: dict, path: tuple, _context) -> Pledge | None:
    check.keys(item, "pledge", path)
    amount = check.number(item, "amount_usd", path)
    fulfilment = check.dist(item, "fulfilment", path, 1.0, high=1, fraction=True)
    tranches = check.number(item, "tranches", path, default=1, integer=True, low=1)
    first = check.date(item, "first", path)
    interval = check.number(item, "interval_days", path, default=0, integer=True)
    slip = check.dist(item, "slip_days", path, 0)
    if None in (amount, fulfilment, tranches, first, interval, slip):
        return None
    return Pledge(item["donor"], amount, fulfilment, tranches, first, interval, slip)


def split_evenly(total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` sizes as evenly as possible, earlier parts taking the remainder."""
    size, remainder = divmod(total, parts)
    return [size + (1 if k < remainder else 0) for k in range(parts)]


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus calendar months, clipped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    for day in range(date.day, 27, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return dt.date(year, month, min(date.day, 28))


def _resolved_document(document: Any, facts: factbase.FactBase) -> Any:
    """The document with fact references replaced by their values (what the hash covers)."""
    if isinstance(document, dict):
        return {k: _resolved_document(v, facts) for k, v in document.items()}
    if isinstance(document, list):
        return [_resolved_document(v, facts) for v in document]
    if isinstance(document, str) and document.startswith("fact:") and document[5:] in facts:
        return _resolved_document(facts.get(document[5:]).value, facts)
    if isinstance(document, (dt.date, dt.datetime)):
        return document.isoformat()
    return document

