"""Hostile input, as a property (issue #16): a valid scenario mutated at random, in its file or by overrides, is
either refused cleanly (a ScenarioError whose every problem reads ``FILE:LINE: key.path: message``) or loads and
runs, writing finite numbers only. What validation accepts, a run never refuses.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario import ScenarioError

BASE_FILE = Path(__file__).resolve().parent / "hostile" / "base.toml"
BASE = tomllib.loads(BASE_FILE.read_text(encoding="utf-8"))
PROBLEM = re.compile(r"^(?P<file>.+?)(?::\d+)?: (?:[^:\n]|:(?! ))+?: .+$")
NOT_FINITE = re.compile(r"\bNaN\b|Infinity|(^|,)-?(nan|inf)(,|$)", re.M)

# --------------------------------------------------------------------------- hostile values

SPECIAL = [
    math.nan, math.inf, -math.inf, 0, -1, 1, 0.5, 1.5, 1e300, -1e300, 1e15, 10**7, 2**63, 2**64, 10**30, -(10**30),
    "", " ", "x", "total", "TOTAL", "Kenya", "kenya", "Ke\u0301nya", "$\\frac{$", "a\u0000b", "\u202e", "x" * 300,
    "fact:us.pledge_usd", "fact:kenya.pledged_total", "fact:mandate.unsc_approval", "fact:mandate.extension_months",
    "fact:country.kenya", "fact:haiti.displaced", "fact:kenya.share_percent", "fact:no.such",
    True, False, [], {}, [1, 2], {"a": 1},
    dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(2024, 1, 1), dt.date(2199, 12, 31), dt.date(9999, 12, 31),
    dt.time(7, 30), dt.datetime(2024, 7, 1, 12, 0),
]

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.integers(-1000, 10_000),
    st.floats(-2.0, 2.0),
)

DISTS = st.builds(
    lambda kind, values: {"dist": kind, **dict(zip(sim.dists.FORMS.get(kind, ("p",)), values))},
    st.sampled_from([*sim.dists.FORMS, "poisson"]),
    st.lists(NUMBERS, min_size=0, max_size=3),
)

VALUES = st.one_of(
    st.sampled_from(SPECIAL), NUMBERS, st.text(max_size=40), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    DISTS, st.lists(st.integers(0, 10), max_size=3),
)


def places(node, path=()):
    """Every key path of a document: tables, arrays and their items, and leaves."""
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from places(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from places(value, path + (index,))


PLACES = [p for p in places(BASE) if p]


def get(document, path):
    """The value at ``path``."""
    for part in path:
        document = document[part]
    return document


@st.composite
def mutants(draw):
    """BASE with one to three mutations: a value replaced, a key removed or added, an array item doubled."""
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([p for p in PLACES if reachable(document, p)] or [("scenario",)]))
        parent, key = get(document, path[:-1]), path[-1]
        action = draw(st.sampled_from(["replace", "replace", "replace", "remove", "add", "double"]))
        if action == "replace":
            parent[key] = draw(VALUES)
        elif action == "remove" and isinstance(parent, dict):
            del parent[key]
        elif action == "add" and isinstance(get(document, path), dict):
            get(document, path)[draw(st.sampled_from(["extends", "remove", "fulfilmnet", "x", "country", "name"]))] = draw(VALUES)
        elif action == "double" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    event(f"{len(document.get('contingent', [])) if isinstance(document.get('contingent'), list) else '?'} contingents")
    return document


def reachable(document, path) -> bool:
    """True if ``path`` still leads somewhere in ``document`` (earlier mutations may have cut it)."""
    node = document
    for part in path:  # through tables and arrays only: a string replaced for a table indexes too ("abc"[0])
        if not isinstance(node, (dict, list)):
            return False
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True


# --------------------------------------------------------------------------- a TOML writer that writes anything


def toml_value(value) -> str:
    """``value`` as TOML: strings escaped, NaN and infinities as TOML spells them, tables inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + "".join(f"\\u{ord(c):04X}" if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in value) + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def key(name) -> str:
    """A TOML key, quoted unless bare."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", str(name)) else toml_value(str(name))


def write_toml(document: dict) -> str:
    """The document as TOML: top-level tables as [table], arrays of tables as [[name]], the rest inline."""
    lines = [f"{key(k)} = {toml_value(v)}" for k, v in document.items() if not isinstance(v, (dict, list)) or
             (isinstance(v, list) and not tables(v))]
    for name, value in document.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key(name)}]")
            lines += section(value, name)
        elif isinstance(value, list) and tables(value):
            for item in value:
                lines.append(f"\n[[{key(name)}]]")
                lines += section(item, name)
    return "\n".join(lines) + "\n"


def section(table: dict, name: str) -> list[str]:
    """The lines of a table's body; an array of tables inside (funding.pledge) gets headers of its own."""
    out, nested = [], []
    for k, v in table.items():
        (nested if isinstance(v, list) and tables(v) and name == "funding" else out).append((k, v))
    lines = [f"{key(k)} = {toml_value(v)}" for k, v in out]
    for k, items in nested:
        for item in items:
            lines += [f"\n[[{key(name)}.{key(k)}]]"] + [f"{key(a)} = {toml_value(b)}" for a, b in item.items()]
    return lines


def tables(value: list) -> bool:
    """True for a non-empty array of tables."""
    return bool(value) and all(isinstance(v, dict) for v in value)


def test_the_writer_round_trips_the_base():
    assert tomllib.loads(write_toml(BASE)) == BASE


# --------------------------------------------------------------------------- the properties


def refused_cleanly(error: ScenarioError, file: str | None = None) -> None:
    """Every problem on one line, as FILE:LINE: key.path: message (or override KEY: message), naming ``file``."""
    assert error.problems
    for problem in error.problems:
        text = str(problem)
        assert "\n" not in text and PROBLEM.match(text), text
        if file is not None:
            assert problem.file == file, text


def runs_sensibly(scenario) -> None:
    """A few replications run and every number written is finite."""
    result = sim.run(scenario, replications=4, seed=1, workers=1)
    summary = result.summary_json()
    json.loads(summary)
    assert not NOT_FINITE.search(summary)
    assert not NOT_FINITE.search(result.strength_csv())
    funding = result.funding_csv()
    assert funding is None or not NOT_FINITE.search(funding)


def check_mutant(document: dict, folder: Path) -> None:
    """The mutant's file is refused cleanly, or it loads and runs sensibly."""
    path = folder / "mutant.toml"
    path.write_text(write_toml(document), encoding="utf-8")
    try:
        scenario = sim.load(path)
    except ScenarioError as error:
        event("refused")
        refused_cleanly(error, str(path))
        return
    event("runs")
    runs_sensibly(scenario)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=mutants())
def test_a_mutated_file_is_refused_cleanly_or_runs(document, tmp_path_factory):
    check_mutant(document, tmp_path_factory.mktemp("mutant"))


OVERRIDE_KEYS = sorted(".".join(map(str, p)) for p in PLACES if not isinstance(get(BASE, p), (dict, list)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=st.dictionaries(st.sampled_from(OVERRIDE_KEYS), VALUES, min_size=1, max_size=3))
def test_hostile_overrides_are_refused_cleanly_or_run(overrides):
    base = sim.load(BASE_FILE)
    try:
        variant = base.with_overrides(overrides)
    except ScenarioError as error:
        event("refused")
        refused_cleanly(error)
        return
    event("runs")
    runs_sensibly(variant)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=mutants())
def test_many_mutated_files_are_refused_cleanly_or_run(document, tmp_path_factory):
    check_mutant(document, tmp_path_factory.mktemp("mutant"))
