"""Properties of the model over generated scenarios that use the realism keys too (hypothesis).

Mixtures, ``[correlation]``, negative slips and relief gaps, relief fractions, known batches,
``as_of`` and in-kind pledges are generated beside the older keys. For any such scenario and any
replication: strength is never negative; arrivals never take the total above the ceiling in force;
cumulative arrivals minus strength (the departures) never falls; first-tour arrivals never exceed
the pledge; up to ``as_of`` only known batches arrive; correlations of 0 and in-kind pledges change
nothing they should not.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim

START = dt.date(2024, 1, 1)
END = dt.date(2024, 9, 30)
DAYS = (END - START).days + 1
WORKDIR = Path(tempfile.mkdtemp(prefix="mss-realism-props-"))


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@st.composite
def delays(draw, low: int = -60, high: int = 90):
    """A slip or gap: possibly negative, possibly a mixture."""
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "normal", "lognormal", "mixture"]))
    a, b, c = sorted(draw(st.lists(st.integers(low, high), min_size=3, max_size=3)))
    if kind == "fixed":
        return str(b)
    if kind == "mixture":
        w = draw(st.integers(0, 10)) / 10
        return (f'{{ dist = "mixture", weights = [{w}, {1 - w:.1f}], of = [ {a}, '
                f'{{ dist = "lognormal", median = {max(c, 1)}, sigma = 0.6 }} ] }}')
    return {
        "uniform": f'{{ dist = "uniform", low = {a}, high = {c} }}',
        "triangular": f'{{ dist = "triangular", low = {a}, mode = {b}, high = {c} }}',
        "normal": f'{{ dist = "normal", mean = {b}, sd = 20 }}',
        "lognormal": f'{{ dist = "lognormal", median = {max(b, 1)}, sigma = 0.7 }}',
    }[kind]


@st.composite
def fractions(draw):
    """A fraction: fixed, beta, uniform, bernoulli or a mixture with a point at 0."""
    kind = draw(st.sampled_from(["fixed", "beta", "uniform", "bernoulli", "mixture", "token"]))
    if kind == "fixed":
        return repr(draw(st.sampled_from([0.0, 0.3, 0.5, 1.0])))
    if kind == "beta":
        return '{ dist = "beta", mean = 0.6, sd = 0.2 }'
    if kind == "bernoulli":
        return '{ dist = "bernoulli", p = 0.7 }'
    if kind == "mixture":
        return '{ dist = "mixture", weights = [0.3, 0.7], of = [ { dist = "fixed", value = 0 }, { dist = "beta", mean = 0.6, sd = 0.2 } ] }'
    if kind == "token":
        return ('{ dist = "mixture", weights = [0.2, 0.3, 0.5], of = [ 0, { dist = "uniform", low = 0.02, high = 0.1 }, '
                '{ dist = "triangular", low = 0.3, mode = 0.7, high = 1 } ] }')
    return '{ dist = "uniform", low = 0.2, high = 0.9 }'


@st.composite
def contingent(draw, name: str):
    batches = draw(st.lists(st.tuples(st.integers(-60, 250), st.integers(0, 120), st.booleans()), min_size=1, max_size=4))
    pledged = sum(size for _, size, _ in batches)
    rows = ", ".join(
        f"{{ arrive = {day(d)}, size = {n}, slip_days = {draw(delays())}{', known = true' if known else ''} }}"
        for d, n, known in batches
    )
    return f"""
[[contingent]]
country = "{name}"
pledged = {pledged}
fulfilment = {draw(fractions())}
tour_days = {draw(st.sampled_from(["15", "60", "200", '{ dist = "uniform", low = 20, high = 120 }']))}
attrition_per_year = {draw(st.sampled_from(["0", "0.3", "2.0"]))}
rotation = {{ probability = {draw(fractions())}, gap_days = {draw(delays(-80, 40))}, fraction = {draw(fractions())} }}
batches = [ {rows} ]
"""


@st.composite
def documents(draw) -> str:
    authorized = draw(st.integers(20, 300))
    as_of = draw(st.one_of(st.none(), st.integers(0, DAYS - 1)))
    text = f"""
[scenario]
name = "generated"
start = {START}
end = {END}
seed = {draw(st.integers(0, 2**32))}
{'' if as_of is None else f'as_of = {day(as_of)}'}

[mission]
authorized = {authorized}
"""
    rhos = [draw(st.sampled_from([None, 0.0, 0.3, 1.0])) for _ in range(3)]
    if any(r is not None for r in rhos):
        text += "\n[correlation]\n" + "".join(
            f"{key} = {r}\n" for key, r in zip(("fulfilment", "slip_days", "pledge_fulfilment"), rhos) if r is not None)
    for k in range(draw(st.integers(0, 2))):
        text += f"""
[[mandate]]
name = "M{k}"
expires = {day(draw(st.integers(10, 250)))}
renewal_probability = {draw(st.sampled_from(["1.0", "0.5", "0.0"]))}
renewed_months = {draw(st.integers(1, 6))}
authorized_after = {authorized + draw(st.integers(0, 100))}
drawdown_days = {draw(st.integers(0, 60))}
"""
    for k in range(draw(st.integers(1, 3))):
        text += draw(contingent(f"C{k}"))
    if draw(st.booleans()):
        text += f"""
[funding]
start_balance_usd = {draw(st.integers(-1000, 100_000))}
cost_per_officer_day_usd = {draw(st.integers(0, 50))}
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

[[funding.pledge]]
donor = "Kit"
amount_usd = {draw(st.integers(0, 500_000))}
first = {day(draw(st.integers(-30, 200)))}
in_kind = {draw(st.sampled_from(["true", "false"]))}
"""
    return text


def load(text: str) -> sim.Scenario:
    path = WORKDIR / f"s{abs(hash(text))}.toml"
    path.write_text(text)
    return sim.load(path)


def ceiling_by_day(sc: sim.Scenario, trace) -> np.ndarray:
    ceiling = np.full(DAYS, sc.authorized)
    for d, value in trace.ceilings:
        ceiling[max(d, 0):] = value
    return ceiling


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(0, 200))
def test_invariants_with_the_new_keys(text, replication):
    sc = load(text)
    rep = sim.replicate(sc, replication)
    trace = rep.trace
    countries = [c.country for c in sc.contingents]
    total = rep.strength["total"]
    assert (total >= 0).all()
    assert np.array_equal(total, sum(rep.strength[c] for c in countries))

    ceiling = ceiling_by_day(sc, trace)  # arrivals never take the total above the ceiling in force
    for d in sorted({max(d, 0) for d, _, n, _ in trace.arrivals if n > 0}):
        assert total[d] <= ceiling[d]

    as_of = None if sc.as_of is None else sc.day(sc.as_of)
    for c, name in enumerate(countries):
        strength = rep.strength[name]
        assert (strength >= 0).all()
        arrived = np.zeros(DAYS, dtype=np.int64)
        for d, country, n, _ in trace.arrivals:
            if country == c:
                arrived[max(d, 0)] += n
        departed = np.cumsum(arrived) - strength  # arrivals minus departures is strength
        assert (departed >= 0).all()
        assert (np.diff(departed) >= 0).all()
        spec = sc.contingents[c]
        first_tour = sum(n for _, country, n, first in trace.arrivals if country == c and first)
        assert first_tour <= spec.pledged
        if as_of is not None:  # up to as_of, only what is known to have come
            early = sum(n for d, country, n, first in trace.arrivals if country == c and first and d <= as_of)
            assert early <= sum(b.size for b in spec.batches if b.known)

    if trace.lapsed_on is not None:
        lapse = max(trace.lapsed_on, 0)
        assert (np.diff(total[lapse:]) <= 0).all()
        assert not any(d >= trace.lapsed_on for d, *_ in trace.arrivals)

    again = sim.replicate(sc, replication)
    assert trace == again.trace and rep.draws == again.draws


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(0, 200))
def test_zero_correlations_and_in_kind_pledges_change_nothing_else(text, replication):
    text = re.sub(r"\n\[correlation\]\n(?:\w+ = [\d.]+\n)*", "\n", text)
    plain = load(text)
    zero = load(text + "\n[correlation]\nfulfilment = 0\nslip_days = 0\npledge_fulfilment = 0\n")
    a, b = sim.replicate(plain, replication), sim.replicate(zero, replication)
    assert a.trace == b.trace and a.draws == b.draws
    if "in_kind = true" in text:  # the same scenario without its in-kind pledge: the same balance, the same force
        without = text[:text.rindex("[[funding.pledge]]")]
        c = sim.replicate(load(without), replication)
        assert np.array_equal(a.balance_usd, c.balance_usd)
        assert a.trace.strength == c.trace.strength


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_aggregate_matches_replications_with_the_new_keys(text):
    """Quantiles and means of a run equal NumPy's over the same replications, overlapping reliefs included."""
    sc = load(text)
    result = sim.run(sc, replications=70, seed=3, workers=1)
    curves = np.stack([sim.replicate(sc, r, seed=3).strength["total"] for r in range(70)])
    assert np.array_equal(result.mean("total"), curves.mean(axis=0))
    q = result.quantiles("total")
    for p in (5, 25, 50, 75, 95):
        assert np.array_equal(q[f"p{p}"], np.quantile(curves, p / 100, axis=0))
    for c in sc.contingents:
        mine = np.stack([sim.replicate(sc, r, seed=3).strength[c.country] for r in range(70)])
        assert np.array_equal(result.quantiles(c.country)["p50"], np.quantile(mine, 0.5, axis=0))


def test_an_overlapping_contingent_may_hold_more_than_its_pledge_in_the_aggregates(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("""
[scenario]
name = "overlap"
start = 2024-01-01
end = 2024-03-31

[mission]
authorized = 20

[[contingent]]
country = "A"
pledged = 1
tour_days = 30
rotation = { gap_days = -29 }
batches = [ { arrive = 2024-01-01, size = 1 } ]
""")
    result = sim.run(sim.load(path), replications=64, workers=1)
    # a relief the day after each group comes, each serving 30 days: up to 20 at once (the ceiling)
    assert result.quantiles("A")["p50"][5] == 6 and result.quantiles("total")["p50"][40] == 20
