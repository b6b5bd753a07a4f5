"""Properties of the model over generated scenarios (hypothesis).

For any valid scenario and any replication: strength is never negative; arrivals
never take the total above the ceiling in force; per contingent, cumulative
arrivals minus strength (the cumulative departures) never decreases; first-tour
deployments never exceed the pledge; after a lapse strength never rises and is
zero when the drawdown ends; the same seed gives the same replication.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim

START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)
DAYS = (END - START).days + 1


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Where the generated scenario files go (pytest removes it with its other temporary folders)."""
    return tmp_path_factory.mktemp("properties")


def load(workdir: Path, text: str) -> sim.Scenario:
    """The generated scenario ``text``, written to a file and loaded."""
    path = workdir / "generated.toml"
    path.write_text(text, encoding="utf-8")
    return sim.load(path)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@st.composite
def delays(draw, high: int = 90):
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "lognormal", "normal"]))
    if kind == "fixed":
        return str(draw(st.integers(0, high)))
    a, b, c = sorted(draw(st.lists(st.integers(0, high), min_size=3, max_size=3)))
    return {
        "uniform": f'{{ dist = "uniform", low = {a}, high = {c} }}',
        "triangular": f'{{ dist = "triangular", low = {a}, mode = {b}, high = {c} }}',
        "lognormal": f'{{ dist = "lognormal", median = {max(b, 1)}, sigma = 0.7 }}',
        "normal": f'{{ dist = "normal", mean = {b}, sd = 20 }}',
    }[kind]


@st.composite
def fractions(draw):
    kind = draw(st.sampled_from(["fixed", "beta", "uniform", "bernoulli"]))
    if kind == "fixed":
        return repr(draw(st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0])))
    if kind == "beta":
        return '{ dist = "beta", mean = 0.6, sd = 0.2 }'
    if kind == "bernoulli":
        return '{ dist = "bernoulli", p = 0.7 }'
    return '{ dist = "uniform", low = 0.2, high = 0.9 }'


@st.composite
def contingent(draw, name: str):
    batches = draw(st.lists(st.tuples(st.integers(-60, 300), st.integers(0, 120)), min_size=1, max_size=4))
    pledged = sum(size for _, size in batches)
    rows = ", ".join(f"{{ arrive = {day(d)}, size = {n}, slip_days = {draw(delays())} }}" for d, n in batches)
    return f"""
[[contingent]]
country = "{name}"
pledged = {pledged}
fulfilment = {draw(fractions())}
tour_days = {draw(st.sampled_from(["30", "90", "200", '{ dist = "uniform", low = 20, high = 120 }']))}
attrition_per_year = {draw(st.sampled_from(["0", "0.3", "2.0"]))}
rotation = {{ probability = {draw(fractions())}, gap_days = {draw(delays(40))} }}
batches = [ {rows} ]
"""


@st.composite
def scenarios(draw) -> str:
    """The text of a valid scenario file."""
    n = draw(st.integers(1, 3))
    authorized = draw(st.integers(20, 300))
    text = f"""
[scenario]
name = "generated"
start = {START}
end = {END}
seed = {draw(st.integers(0, 2**32))}

[mission]
authorized = {authorized}
"""
    for k in range(draw(st.integers(0, 2))):
        after = authorized + draw(st.integers(0, 100))
        text += f"""
[[mandate]]
name = "M{k}"
expires = {day(draw(st.integers(10, 300)))}
renewal_probability = {draw(st.sampled_from(["1.0", "0.5", "0.0"]))}
renewed_months = {draw(st.integers(1, 6))}
authorized_after = {after}
drawdown_days = {draw(st.integers(0, 60))}
"""
    for k in range(n):
        text += draw(contingent(f"C{k}"))
    if draw(st.booleans()):
        text += f"""
[funding]
start_balance_usd = {draw(st.integers(-1000, 100_000))}
cost_per_officer_day_usd = {draw(st.integers(0, 50))}
fixed_cost_per_month_usd = {draw(st.integers(0, 5000))}
deploy_cost_per_officer_usd = {draw(st.integers(0, 500))}
runway_days = {draw(st.integers(0, 60))}

[[funding.pledge]]
donor = "D"
amount_usd = {draw(st.integers(0, 500_000))}
fulfilment = {draw(fractions())}
tranches = {draw(st.integers(1, 4))}
first = {day(draw(st.integers(-30, 200)))}
interval_days = 30
slip_days = {draw(delays())}
"""
    return text


def ceiling_by_day(sc: sim.Scenario, trace) -> np.ndarray:
    ceiling = np.full(DAYS, sc.authorized)
    for d, value in trace.ceilings:
        ceiling[max(d, 0):] = value
    return ceiling


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scenarios(), replication=st.integers(0, 200))
def test_invariants(workdir, text, replication):
    sc = load(workdir, text)
    rep = sim.replicate(sc, replication)
    trace = rep.trace
    countries = [c.country for c in sc.contingents]
    total = rep.strength["total"]
    assert (total >= 0).all()
    assert np.array_equal(total, sum(rep.strength[c] for c in countries))

    # arrivals never take the total above the ceiling in force (nobody is sent home when it falls)
    ceiling = ceiling_by_day(sc, trace)
    arrival_days = sorted({max(d, 0) for d, _, n, _ in trace.arrivals if n > 0})
    for d in arrival_days:
        assert total[d] <= ceiling[d]

    for c, name in enumerate(countries):
        strength = rep.strength[name]
        assert (strength >= 0).all()
        arrived = np.zeros(DAYS, dtype=np.int64)
        for d, country, n, _ in trace.arrivals:
            if country == c:
                arrived[max(d, 0)] += n
        departed = np.cumsum(arrived) - strength  # cumulative departures
        assert (departed >= 0).all()
        assert (np.diff(departed) >= 0).all()
        first_tour = sum(n for _, country, n, first in trace.arrivals if country == c and first)
        assert first_tour <= sc.contingents[c].pledged

    if trace.lapsed_on is not None:
        lapse = max(trace.lapsed_on, 0)
        assert (np.diff(total[lapse:]) <= 0).all()
        assert not any(d >= trace.lapsed_on for d, *_ in trace.arrivals)
        drawdown = trace.drawdown_days
        assert drawdown in {m.drawdown_days for m in sc.mandates}
        if lapse + drawdown < DAYS:
            assert total[lapse + drawdown] == 0

    if rep.balance_usd is not None:
        assert rep.balance_usd.shape == (DAYS,)

    again = sim.replicate(sc, replication)
    assert trace == again.trace
    assert all(np.array_equal(rep.strength[k], again.strength[k]) for k in rep.strength)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scenarios())
def test_aggregate_matches_replications(workdir, text):
    """Quantiles and means of a run equal NumPy's over the same replications, kept one by one."""
    sc = load(workdir, text)
    result = sim.run(sc, replications=70, seed=3, workers=1, keep_replications=True)
    curves = np.stack([sim.replicate(sc, r, seed=3).strength["total"] for r in range(70)])
    assert np.array_equal(result.mean("total"), curves.mean(axis=0))
    q = result.quantiles("total")
    for p in (5, 25, 50, 75, 95):
        assert np.array_equal(q[f"p{p}"], np.quantile(curves, p / 100, axis=0))
    reached = (curves >= sc.authorized).any(axis=1).mean()
    assert result.summary()["strength"]["p_reach_authorized"] == round(float(reached), 4)
