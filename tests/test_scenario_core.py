"""The Scenario (sim.scenario.core): overrides, the facts it used, its deadlines and ceilings.

* hypothesis: random overrides either give a Scenario with the value or a ScenarioError naming
  the key, and never change the scenario they were applied to;
* single overrides, good and bad, with the nearest valid key or item for a typo;
* fact provenance: the facts a scenario used, and the fact base it used them from.
"""

from __future__ import annotations

import copy
import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import sim
from sim.dists import Dist
from sim.scenario import ScenarioError, limits

from conftest import BASELINE, FACTS_TOML, SCENARIOS
from helpers import PROBLEM_LINE, contingent, mandate, pledge
from strategies import DATES, FINITE, days_dist, fraction_dist, number, raw

# --------------------------------------------------------------------------- overrides

#: Override key -> (kind of value it takes, canonical key path in problems, getter on a Scenario).
#: Getters read places no other key of this table can change (Benin takes the [assumptions] defaults).
OVERRIDES = {
    "assumptions.fulfilment": ("fraction", None, lambda s: contingent(s, "Benin").fulfilment),
    "assumptions.slip_days": ("slip", None, lambda s: contingent(s, "Benin").batches[0].slip_days),
    "assumptions.tour_days": ("days1", None, lambda s: contingent(s, "Benin").tour_days),
    "contingent.Kenya.tour_days": ("days1", None, lambda s: contingent(s, "Kenya").tour_days),
    "contingent.Kenya.fulfilment": ("fraction", None, lambda s: contingent(s, "Kenya").fulfilment),
    "contingent.Kenya.attrition_per_year": ("days0", None, lambda s: contingent(s, "Kenya").attrition_per_year),
    "contingent.Kenya.rotation.probability": ("fraction", None, lambda s: contingent(s, "Kenya").relief_probability),
    "contingent.Kenya.batches.0.slip_days": ("slip", None, lambda s: contingent(s, "Kenya").batches[0].slip_days),
    "contingent.Kenya.pledged": ("kenya_pledged", "contingent.Kenya", lambda s: contingent(s, "Kenya").pledged),
    "contingent.Benin.schedule.interval_days": (
        "int0", None, lambda s: (contingent(s, "Benin").batches[1].planned - contingent(s, "Benin").batches[0].planned).days),
    "mandate.0.renewal_probability": ("fraction", "mandate.UNSC 2699.renewal_probability",
                                      lambda s: mandate(s, "UNSC 2699").renewal_probability),
    "mandate.UNSC 2699.drawdown_days": ("int0", None, lambda s: mandate(s, "UNSC 2699").drawdown_days),
    "mandate.Renewal 2025.renewed_months": ("months", None, lambda s: mandate(s, "Renewal 2025").renewed_months),
    "funding.pledge.United States.fulfilment": ("fraction", None, lambda s: pledge(s, "United States").fulfilment),
    "funding.pledge.United States.amount_usd": ("number0", None, lambda s: pledge(s, "United States").amount_usd),
    "funding.pledge.United States.tranches": ("int1", None, lambda s: pledge(s, "United States").tranches),
    "funding.runway_days": ("int0", None, lambda s: s.funding.runway_days),
    "funding.start_balance_usd": ("any_number", None, lambda s: s.funding.start_balance_usd),
    "scenario.seed": ("int0", None, lambda s: s.seed),
    "scenario.replications": ("int1", None, lambda s: s.replications),
    "mission.authorized": ("int0", None, lambda s: s.authorized),
    "mission.target": ("int0", None, lambda s: s.target),
}
DIST_KINDS = {"fraction", "days0", "days1", "slip"}

FACT_REFS = ["fact:mission.planned_total", "fact:kenya.pledged_total", "fact:mandate.unsc_approval", "fact:no.such_fact"]

OVERRIDE_VALUES = st.one_of(
    st.integers(-10, 3000),
    st.integers(-(2**40), 2**40),
    st.floats(-10, 10, **FINITE),
    st.floats(0, 1),
    st.floats(-1e12, 1e12, **FINITE),
    st.sampled_from([0, 1, 1000, 1000.0, 0.5, 1.5, -1, -0.5, 365, 2.5]),
    st.booleans(),
    st.text(max_size=8).filter(lambda s: not s.startswith("fact:")),
    st.sampled_from(FACT_REFS),
    DATES,
    st.lists(st.integers(), max_size=2),
    fraction_dist().map(lambda v: v[0]),
    days_dist().map(lambda v: v[0]),
    st.sampled_from([
        {"dist": "uniform", "low": 5, "high": 1},
        {"dist": "poisson", "lam": 3},
        {"dist": "beta", "mean": 0.5, "sd": 0.6},
        {"dist": "normal", "mean": 0.5, "sd": 0.1},
        {"dist": "lognormal", "median": 0.5, "sigma": 0.5},
        {"dist": "lognormal", "median": 5, "sigma": 0},
        {"dist": "normal", "mean": -5, "sd": 0},
        {"dist": "fixed", "value": -1},
        {"dist": "triangular", "low": 0, "mode": 2, "high": 1},
        {"dist": "bernoulli", "p": 2},
        {"dist": "uniform", "low": 0, "high": "x"},
        {"no_dist": 1},
        {},
    ]),
)


def resolve_fact(value, facts):
    """A "fact:<id>" reference as the scenario's fact base resolves it (an unknown id stays as it is)."""
    if isinstance(value, str) and value.startswith("fact:"):
        return facts.get(value[5:]).value if value[5:] in facts else value
    return value


#: The upper limits of sim/scenario/limits.py (#16) on the overridden keys that have one.
HIGHEST = {
    "assumptions.slip_days": limits.MAX_DAYS, "assumptions.tour_days": limits.MAX_DAYS,
    "contingent.Kenya.tour_days": limits.MAX_DAYS, "contingent.Kenya.batches.0.slip_days": limits.MAX_DAYS,
    "contingent.Kenya.attrition_per_year": limits.MAX_ATTRITION_PER_YEAR,
    "contingent.Benin.schedule.interval_days": limits.MAX_DAYS, "mandate.UNSC 2699.drawdown_days": limits.MAX_DAYS,
    "funding.runway_days": limits.MAX_DAYS, "funding.pledge.United States.tranches": limits.MAX_TRANCHES,
    "funding.pledge.United States.amount_usd": limits.MAX_USD, "funding.start_balance_usd": limits.MAX_USD,
    "scenario.replications": limits.MAX_REPLICATIONS, "scenario.seed": limits.MAX_SEED,
    "mission.authorized": limits.MAX_PEOPLE, "mission.target": limits.MAX_PEOPLE,
}


#: The units of the facts a key may refer to, for the keys whose unit is plain (#16 item 7): another unit is refused.
FACT_UNITS = {
    "slip_days": ("days",), "tour_days": ("days",), "interval_days": ("days",), "drawdown_days": ("days",),
    "runway_days": ("days",), "renewed_months": ("months",), "amount_usd": ("usd",), "start_balance_usd": ("usd",),
    "pledged": ("officers", "people"), "authorized": ("officers", "people"), "target": ("officers", "people"),
    # counts, fractions and rates take no fact: their number is written out
    "replications": (), "seed": (), "tranches": (), "fulfilment": (), "probability": (), "renewal_probability": (),
    "attrition_per_year": (),
}


def unit_refused(key: str, value, facts) -> bool:
    """True when ``value`` is a reference to a fact whose unit the key cannot take (people are not days)."""
    if not (isinstance(value, str) and value.startswith("fact:") and value[5:] in facts):
        return False
    units = FACT_UNITS.get(key.rsplit(".", 1)[-1])
    return units is not None and facts.get(value[5:]).unit not in units


def classify(kind: str, value, facts, highest: float | None = None):
    """True: the override must be accepted; False: it must be refused; None: either (distribution tables).

    ``highest``: the key's upper limit (its absolute value for a signed one), if it has one.
    """
    value = resolve_fact(value, facts)
    if isinstance(value, dict):
        verdict = classify_table(kind, value)
        if verdict and highest is not None and Dist.from_table(value).support()[1] > highest:
            dist = Dist.from_table(value)
            return None if dist.kind in ("normal", "lognormal") and dist.params[1] > 0 else False
        return verdict
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    if highest is not None and abs(value) > highest:
        return False
    integral = value == int(value)
    return {
        "fraction": 0 <= value <= 1,
        "days0": value >= 0,
        "slip": True,  # a slip may be negative (#11): early; within +-MAX_DAYS (HIGHEST)
        "days1": value >= 1,
        "int0": integral and value >= 0,
        "int1": integral and value >= 1,
        "months": integral and 0 <= value <= 1200,  # a century at most between renewals
        "number0": value >= 0,
        "any_number": True,
        "kenya_pledged": integral and value == 1000,
    }[kind]


def classify_table(kind: str, value: dict):
    """The contract (docs/design.md section 3) for a distribution table given where ``kind`` is expected."""
    if kind not in DIST_KINDS:
        return False  # a distribution where only a number is allowed
    try:
        dist = Dist.from_table(value)
    except ValueError:
        return False
    lo, hi = dist.support()
    if kind == "fraction":
        # normal and lognormal can leave [0, 1]; every other form must stay inside it
        return dist.kind not in ("normal", "lognormal") and 0 <= lo and hi <= 1
    if dist.kind == "beta":
        return False  # beta is for fractions only
    if kind == "slip":
        return True  # any finite distribution: a slip may be negative (#11)
    low = 1 if kind == "days1" else 0
    if lo == hi or dist.kind not in ("normal", "lognormal"):
        return lo >= low  # a bounded (or degenerate) distribution must stay within bounds
    # unbounded forms: negative days are clipped to 0 by the model; below 1 tour day is left open
    return True if low == 0 else None


def expected_value(kind: str, value, facts):
    value = resolve_fact(value, facts)
    if kind in DIST_KINDS:
        return Dist.from_table(value) if isinstance(value, dict) else Dist.fixed(value)
    if kind in ("int0", "int1", "months", "kenya_pledged"):
        return int(value)
    return value


def names_key(problem, key: str) -> bool:
    kind, canonical, _ = OVERRIDES[key]
    canonical = canonical or key
    return problem.path == canonical or problem.path.startswith(canonical + ".") or problem.path == key


VALID_VALUES = {
    "fraction": fraction_dist().map(raw),
    "days0": days_dist().map(raw),
    "slip": st.one_of(days_dist().map(raw), number(-1000, 0)),
    "days1": days_dist(low=1).map(raw),
    "int0": st.integers(0, 10**6),
    "int1": st.integers(1, 10**6),
    "months": st.integers(0, 1200),
    "number0": number(0, 1e10),
    "any_number": number(-1e10, 1e10),
    "kenya_pledged": st.sampled_from([1000, 1000.0, "fact:kenya.pledged_total"]),
}

#: Days added to dates: huge values are refused (see the overflow test below); keep them in range here.
DATE_OFFSETS = {"contingent.Benin.schedule.interval_days"}


def in_date_range(key: str, value) -> bool:
    return not (key in DATE_OFFSETS and isinstance(value, (int, float)) and abs(value) > 10**6)


@st.composite
def override_sets(draw):
    keys = draw(st.lists(st.sampled_from(sorted(OVERRIDES)), min_size=1, max_size=3, unique=True))
    overrides = {}
    for key in keys:
        valid = VALID_VALUES[OVERRIDES[key][0]]
        overrides[key] = draw(st.one_of(valid, valid, OVERRIDE_VALUES).filter(lambda v, k=key: in_date_range(k, v)))
    return overrides


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=override_sets())
@example(overrides={"scenario.replications": "fact:mission.planned_total"})  # found by CI: a count takes no fact
def test_overrides_give_the_value_or_a_clean_error(overrides, baseline):
    base = baseline
    document_before, hash_before = copy.deepcopy(base.document), base.hash
    verdicts = {key: False if unit_refused(key, value, base.facts) else
                classify(OVERRIDES[key][0], value, base.facts, HIGHEST.get(key)) for key, value in overrides.items()}
    try:
        variant = base.with_overrides(overrides)
    except ScenarioError as error:
        event("refused")
        assert error.problems
        assert any(verdict is not True for verdict in verdicts.values()), (
            f"valid overrides refused: {overrides}: {[str(p) for p in error.problems]}")
        for key, verdict in verdicts.items():
            if verdict is False:
                assert any(names_key(p, key) for p in error.problems), f"{key}: {[str(p) for p in error.problems]}"
        for problem in error.problems:
            assert any(names_key(problem, key) for key, v in verdicts.items() if v is not True), (
                f"a problem names no refused override: {problem}")
            assert PROBLEM_LINE.match(str(problem)), str(problem)
    else:
        event("accepted")
        assert all(verdict is not False for verdict in verdicts.values()), f"invalid overrides accepted: {overrides}"
        for key, value in overrides.items():
            kind, _, getter = OVERRIDES[key]
            assert getter(variant) == expected_value(kind, value, base.facts), key
            if getter(variant) != getter(base):
                assert variant.hash != base.hash
        assert variant is not base
    # the original is untouched
    assert base.document == document_before and base.hash == hash_before
    assert base == sim.load(BASELINE)


@pytest.mark.parametrize("key, value, expect", [
    ("contingent.Kenya.tour_days", 180, Dist.fixed(180)),
    ("mandate.0.renewal_probability", 0.5, Dist.fixed(0.5)),
    ("mandate.UNSC 2699.drawdown_days", 30, 30),
    ("funding.pledge.United States.fulfilment", {"dist": "uniform", "low": 0.5, "high": 1}, Dist("uniform", (0.5, 1.0))),
    ("scenario.seed", 7, 7),
    ("mission.authorized", 3000, 3000),
    ("mission.authorized", "fact:mission.needed", 5000),
])
def test_single_overrides(key, value, expect, baseline):
    base = baseline
    variant = base.with_overrides({key: value})
    getter = OVERRIDES[key][2]
    assert getter(variant) == expect
    assert getter(base) != expect
    assert variant.hash != base.hash
    assert base == sim.load(BASELINE)


@pytest.mark.parametrize("key, value, bad_path, message", [
    ("contingent.Kenya.tour_days", -5, "contingent.Kenya.tour_days", "must be"),
    ("contingent.Kenya.tour_days", 0, "contingent.Kenya.tour_days", "must be"),
    ("mandate.0.renewal_probability", 1.01, "mandate.UNSC 2699.renewal_probability", "[0, 1]"),
    ("assumptions.fulfilment", True, "assumptions.fulfilment", "boolean"),
    ("scenario.seed", "seven", "scenario.seed", "string"),
    ("scenario.seed", 1.5, "scenario.seed", "whole number"),
    ("mission.authorized", {"dist": "uniform", "low": 1, "high": 2}, "mission.authorized", "distribution"),
    ("contingent.Kenya.pledged", 999, "contingent.Kenya.batches", "sum"),
    ("funding.pledge.United States.amount_usd", -1, "funding.pledge.United States.amount_usd", "must be"),
    # a lognormal, like a normal, can leave [0, 1]: not a fraction (fixed in sim/scenario.py)
    ("contingent.Kenya.fulfilment", {"dist": "lognormal", "median": 0.5, "sigma": 0.5}, "contingent.Kenya.fulfilment", "lognormal"),
    ("funding.pledge.United States.fulfilment", {"dist": "lognormal", "median": 5, "sigma": 0}, "funding.pledge.United States.fulfilment", "[0, 1]"),
    # a degenerate normal/lognormal is a fixed value and must respect the bounds (fixed in sim/scenario.py)
    ("contingent.Kenya.tour_days", {"dist": "normal", "mean": -5, "sd": 0}, "contingent.Kenya.tour_days", ">= 1"),
    ("assumptions.attrition_per_year", {"dist": "normal", "mean": -5, "sd": 0}, "assumptions.attrition_per_year", ">= 0"),  # slips may be negative (#11)
])
def test_single_bad_overrides(key, value, bad_path, message, baseline):
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({key: value})
    assert any(p.path == bad_path and message in p.message for p in info.value.problems), [str(p) for p in info.value.problems]
    assert baseline == sim.load(BASELINE)


def test_override_of_an_unknown_key_suggests_the_right_one(baseline):
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({"assumptions.fulfilmnet": 0.5})
    problems = info.value.problems
    assert any(p.path == "assumptions.fulfilmnet" and "'fulfilment'" in p.message for p in problems), problems


def test_override_of_an_unknown_item_suggests_the_right_one(baseline):
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({"contingent.Kenyaa.tour_days": 180})
    problems = info.value.problems
    assert any(p.path == "contingent.Kenyaa.tour_days" and "'Kenya'" in p.message for p in problems), problems


@pytest.mark.parametrize("key", ["scenario.seed.x", "contingent.Kenya", "contingent.9.tour_days", "scenario"])
def test_override_of_a_wrong_place_raises_scenario_error(key, baseline):
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({key: 1})
    assert any(p.path.startswith(key.split(".")[0]) for p in info.value.problems)


def test_override_with_a_huge_interval_raises_scenario_error(baseline):
    with pytest.raises(ScenarioError):
        baseline.with_overrides({"contingent.Benin.schedule.interval_days": 10**7})


def test_override_with_huge_renewed_months_is_refused(baseline):
    """A renewal every million months would overflow the dates of the renewal chain: refused, naming the limit."""
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides({"mandate.Renewal 2025.renewed_months": 10**6})
    (problem,) = info.value.problems
    assert problem.path == "mandate.Renewal 2025.renewed_months" and "must be <= 1,200" in problem.message
    # the largest allowed value is usable: its deadlines are those of the file (the next renewal is after the end)
    assert baseline.with_overrides({"mandate.Renewal 2025.renewed_months": 1200}).deadlines() == [
        ("UNSC 2699", dt.date(2024, 10, 2)), ("Renewal 2025", dt.date(2025, 10, 2))]


def test_override_same_value_keeps_hash(baseline):
    base = baseline
    assert base.with_overrides({"scenario.seed": base.seed}).hash == base.hash



# --------------------------------------------------------------------------- fact provenance


def test_baseline_records_the_facts_it_uses(baseline):
    used = {f.id: f for f in baseline.facts_used}
    planned = used["mission.planned_total"]
    assert planned.value == 2500
    assert planned.source == "000_5907332dfe599310.txt"
    assert planned.path == "mission.authorized"
    assert planned.quote
    assert planned.source_name == baseline.facts.source_name(planned.source) != planned.source
    assert baseline.authorized == 2500
    assert used["kenya.pledged_total"].value == 1000 == contingent(baseline, "Kenya").pledged
    assert [f.id for f in baseline.facts_used] == sorted(used)


def test_a_scenario_keeps_the_fact_base_it_was_resolved_in(baseline):
    assert baseline.facts == sim.load_facts(FACTS_TOML)
    assert baseline.facts_path == str(FACTS_TOML)
    assert baseline.with_overrides({"scenario.seed": 1}).facts is baseline.facts


# --------------------------------------------------------------------------- deadlines and ceilings


def test_ceilings_step_at_the_mandates_that_raise_them(baseline):
    """The authorized strength if every mandate is renewed: (from date, ceiling) steps."""
    surge = sim.load(SCENARIOS / "surge_5000.toml")
    steps = surge.ceilings()
    assert steps[0] == (surge.start, surge.authorized)
    assert steps[-1][1] == 5000 and steps[-1][0] == dt.date(2025, 10, 2)
    assert baseline.ceilings() == [(baseline.start, 2500)]
