"""Hypothesis strategies for scenario documents, and a small TOML writer to put them in files.

``scenario_spec()`` draws a valid scenario as nested dicts whose distribution values are
``(raw TOML value, expected Dist)`` pairs; ``raw()`` gives the document to write and
``expected()`` the Dist the loaded Scenario must hold. ``fraction_dist()`` and ``days_dist()``
draw every valid form of a fraction or a number of days. Used by test_scenario_build.py
(generated scenarios) and test_scenario_core.py (generated overrides).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from hypothesis import strategies as st

from sim.dists import Dist

FINITE = dict(allow_nan=False, allow_infinity=False)


def number(lo: float, hi: float):
    return st.one_of(st.integers(math.ceil(lo), math.floor(hi)), st.floats(lo, hi, **FINITE))


def fixed_form(values):
    """A plain number or {dist = "fixed", value}: (raw TOML value, expected Dist)."""
    return st.one_of(
        values.map(lambda v: (v, Dist.fixed(v))),
        values.map(lambda v: ({"dist": "fixed", "value": v}, Dist.fixed(v))),
    )


def table(kind: str, **params):
    raw = {"dist": kind, **params}
    return raw, Dist(kind, tuple(float(v) for v in params.values()))


@st.composite
def sorted_floats(draw, n: int, lo: float, hi: float):
    return sorted(draw(st.lists(st.floats(lo, hi, **FINITE), min_size=n, max_size=n)))


@st.composite
def beta_table(draw):
    mean = draw(st.floats(0.01, 0.99))
    limit = math.sqrt(mean * (1 - mean))
    sd = draw(st.floats(0.001, 0.999)) * limit
    if not 0 < sd * sd < mean * (1 - mean):
        sd = limit / 2
    return table("beta", mean=mean, sd=sd)


def fraction_dist():
    """Any valid value of a fraction or probability (fulfilment, rotation.probability, renewal)."""
    return st.one_of(
        fixed_form(number(0, 1)),
        sorted_floats(2, 0, 1).map(lambda v: table("uniform", low=v[0], high=v[1])),
        sorted_floats(3, 0, 1).map(lambda v: table("triangular", low=v[0], mode=v[1], high=v[2])),
        beta_table(),
        st.floats(0, 1).map(lambda p: table("bernoulli", p=p)),
    )


def days_dist(low: float = 0, high: float = 1000):
    """Any valid value of a non-negative quantity (slip, gap, tour days with low=1, attrition)."""
    forms = [
        fixed_form(number(low, high)),
        sorted_floats(2, low, high).map(lambda v: table("uniform", low=v[0], high=v[1])),
        sorted_floats(3, low, high).map(lambda v: table("triangular", low=v[0], mode=v[1], high=v[2])),
        st.tuples(st.floats(low, high), st.floats(0, high / 4)).map(lambda v: table("normal", mean=v[0], sd=v[1])),
        st.tuples(st.floats(max(low, 0.01), high), st.floats(0, 2)).map(lambda v: table("lognormal", median=v[0], sigma=v[1])),
    ]
    if low <= 0:
        forms.append(st.floats(0, 1).map(lambda p: table("bernoulli", p=p)))
    return st.one_of(forms)


def optional(strategy):
    return st.one_of(st.none(), strategy)


NAMES = st.one_of(
    st.sampled_from(["Kenya", "Benin", "Chad", "Jamaica", "Bahamas", "Belize", "Bangladesh", "UNSC 2699",
                     "Côte d'Ivoire", "St. Kitts & Nevis", "El Salvador"]),
    st.text(min_size=1, max_size=12).filter(lambda name: name == name.strip()),  # no white space at either end
)
DATES = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))


@st.composite
def stochastic_values(draw):
    """Some of the per-contingent values of [assumptions] or a [[contingent]], each optional."""
    out = {}
    for key, strategy in (("fulfilment", fraction_dist()), ("slip_days", days_dist()),
                          ("tour_days", days_dist(low=1)), ("attrition_per_year", days_dist(0, 1))):
        value = draw(optional(strategy))
        if value is not None:
            out[key] = value
    if draw(st.booleans()):
        rotation = {}
        for key, strategy in (("probability", fraction_dist()), ("gap_days", days_dist())):
            value = draw(optional(strategy))
            if value is not None:
                rotation[key] = value
        out["rotation"] = rotation
    return out


@st.composite
def contingent_spec(draw, country, start, end):
    spec = {"country": country, "pledged": draw(st.integers(0, 5000))}
    spec.update(draw(stochastic_values()))
    dates = st.dates(start - dt.timedelta(days=90), end)
    if draw(st.booleans()):
        n = draw(st.integers(1, 5))
        cuts = sorted(draw(st.lists(st.integers(0, spec["pledged"]), min_size=n - 1, max_size=n - 1)))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, spec["pledged"]])]
        batches = []
        for size in sizes:
            batch = {"arrive": draw(dates), "size": size}
            slip = draw(optional(days_dist()))
            if slip is not None:
                batch["slip_days"] = slip
            batches.append(batch)
        spec["batches"] = batches
    else:
        schedule = {"first": draw(dates), "batches": draw(st.integers(1, 6))}
        interval = draw(optional(st.integers(0, 120)))
        if interval is not None:
            schedule["interval_days"] = interval
        slip = draw(optional(days_dist()))
        if slip is not None:
            schedule["slip_days"] = slip
        spec["schedule"] = schedule
    return spec


@st.composite
def scenario_spec(draw):
    """A valid scenario as nested dicts whose distribution values are (raw, expected Dist) pairs."""
    start = draw(DATES)
    end = start + dt.timedelta(days=draw(st.integers(1, 1500)))
    meta = {"name": draw(st.text(max_size=20)), "start": start, "end": end}
    for key, strategy in (("description", st.text(max_size=40)), ("replications", st.integers(1, 10_000)),
                          ("seed", st.integers(0, 2**32))):
        value = draw(optional(strategy))
        if value is not None:
            meta[key] = value
    doc = {"scenario": meta, "mission": {"authorized": draw(st.integers(0, 10_000))}}
    target = draw(optional(st.integers(0, 10_000)))
    if target is not None:
        doc["mission"]["target"] = target
    if draw(st.booleans()):
        doc["assumptions"] = draw(stochastic_values())
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    doc["contingent"] = [draw(contingent_spec(name, start, end)) for name in names]
    mandates = []
    for name in draw(st.lists(NAMES, max_size=3, unique=True)):
        mandate = {"name": name, "expires": draw(st.dates(start, end))}
        for key, strategy in (("renewal_probability", fraction_dist()), ("renewed_months", st.integers(0, 24)),
                              ("authorized_after", st.integers(0, 10_000)), ("drawdown_days", st.integers(0, 365))):
            value = draw(optional(strategy))
            if value is not None:
                mandate[key] = value
        mandates.append(mandate)
    if mandates:
        doc["mandate"] = mandates
    if draw(st.booleans()):
        funding = {}
        for key, strategy in (("start_balance_usd", number(-1e7, 1e9)), ("cost_per_officer_day_usd", number(0, 1000)),
                              ("fixed_cost_per_month_usd", number(0, 1e7)),
                              ("deploy_cost_per_officer_usd", number(0, 1e4)), ("runway_days", st.integers(0, 365))):
            value = draw(optional(strategy))
            if value is not None:
                funding[key] = value
        pledges = []
        for donor in draw(st.lists(NAMES, max_size=3, unique=True)):
            pledge = {"donor": donor, "amount_usd": draw(number(0, 1e9)), "first": draw(st.dates(start, end))}
            for key, strategy in (("fulfilment", fraction_dist()), ("tranches", st.integers(1, 8)),
                                  ("interval_days", st.integers(0, 365)), ("slip_days", days_dist())):
                value = draw(optional(strategy))
                if value is not None:
                    pledge[key] = value
            pledges.append(pledge)
        if pledges:
            funding["pledge"] = pledges
        doc["funding"] = funding
    return doc


def raw(value):
    """The document to write: (raw, Dist) pairs replaced by their raw TOML value."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Dist):
        return value[0]
    if isinstance(value, dict):
        return {k: raw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [raw(v) for v in value]
    return value


def expected(value, fallback: Dist) -> Dist:
    return value[1] if value is not None else fallback


# A tiny TOML writer: enough for scenario documents (tables, arrays of tables, inline tables, dates).


def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert math.isfinite(value)
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(type(value))


def is_array_of_tables(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def write_toml(document: dict) -> str:
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in document.items()
             if not isinstance(v, dict) and not is_array_of_tables(v)]

    def section(name: str, body: dict, header: str) -> None:
        lines.append("")
        lines.append(header)
        nested = []
        for key, value in body.items():
            if is_array_of_tables(value):
                nested.append((key, value))
            else:
                lines.append(f"{toml_key(key)} = {toml_value(value)}")
        for key, items in nested:
            for item in items:
                section(f"{name}.{key}", item, f"[[{name}.{toml_key(key)}]]")

    for key, value in document.items():
        if isinstance(value, dict):
            section(toml_key(key), value, f"[{toml_key(key)}]")
        elif is_array_of_tables(value):
            for item in value:
                section(toml_key(key), item, f"[[{toml_key(key)}]]")
    return "\n".join(lines) + "\n"
