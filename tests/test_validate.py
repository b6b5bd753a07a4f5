"""Scenario validation (DESIGN.md sections 3 and 6): good files load, bad files fail cleanly.

* every file in ``scenarios/`` and ``tests/good/`` loads and ``sim validate`` exits 0;
* every case in ``tests/bad/`` (expectations in its ``# expect-path:`` / ``# expect-message:``
  header, or in ``NAME.expect`` beside it) makes ``sim validate`` exit 2 with a
  ``FILE:LINE: key.path: message`` (or ``FILE: key.path: message``) line and no traceback;
* hypothesis: randomly generated valid scenarios load and the Scenario reflects them;
  random overrides either give a Scenario with the value or a ScenarioError naming the key;
* ``extends`` merge semantics and fact provenance.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sim
from sim import cli
from sim.dists import Dist
from sim.scenario import ScenarioError

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
GOOD_DIR = REPO / "tests" / "good"
BAD_DIR = REPO / "tests" / "bad"
BASELINE = SCENARIOS / "baseline.toml"

GOOD = sorted(SCENARIOS.glob("*.toml")) + sorted(GOOD_DIR.glob("*.toml"))
BAD = sorted(BAD_DIR.glob("*.toml"))  # not recursive: tests/bad/_partners/ holds helpers, not cases
MIN_BAD_CASES = 20

#: ``FILE:LINE: key.path: message`` or ``FILE: key.path: message``.
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\n]+?)(?::(?P<line>\d+))?: (?P<path>[^\n]*?): (?P<message>.+)$")


def expectations(case: Path) -> tuple[str, str]:
    """(expected key path, expected message substring) of a bad case."""
    sidecar = case.with_name(case.name + ".expect")
    text = (sidecar if sidecar.is_file() else case).read_text(encoding="utf-8")
    found = {}
    for line in text.splitlines():
        match = re.match(r"#\s*expect-(path|message):\s*(.*?)\s*$", line)
        if match:
            found[match.group(1)] = match.group(2)
    assert set(found) == {"path", "message"}, f"{case.name}: needs # expect-path: and # expect-message: lines"
    return found["path"], found["message"]


def parse_problems(stderr: str) -> list[re.Match]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no problem printed on stderr"
    matches = []
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, f"not of the form FILE:LINE: key.path: message: {line!r}"
        matches.append(match)
    return matches


def expected_problem(stderr: str, case: Path) -> re.Match:
    """The problem line of ``stderr`` that carries the case's expected path and message."""
    path, message = expectations(case)
    problems = parse_problems(stderr)
    hits = [m for m in problems if m["path"] == path and message.lower() in m["message"].lower()]
    assert hits, f"{case.name}: expected a problem at {path!r} mentioning {message!r}; got:\n{stderr}"
    return hits[0]


# --------------------------------------------------------------------------- 1. good files


@pytest.mark.parametrize("path", GOOD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_good_file_loads_and_validates(path, capsys):
    scenario = sim.load(path)
    assert isinstance(scenario, sim.Scenario)
    assert scenario.contingents and scenario.end > scenario.start
    assert re.fullmatch(r"[0-9a-f]{64}", scenario.hash)
    assert cli.main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("ok")


def test_all_good_files_validate_at_once(capsys):
    assert len(GOOD) >= 7 + 5
    assert cli.main(["validate", "-q", *map(str, GOOD)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_mixed_good_and_bad_files_exit_2(capsys):
    assert cli.main(["validate", str(BASELINE), str(BAD_DIR / "typo_key.toml")]) == 2
    out, err = capsys.readouterr()
    assert "ok" in out and "baseline.toml" in out
    assert "fulfilmnet" in err and "Traceback" not in err


def test_problems_are_listed_in_reading_order(tmp_path, capsys):
    """Every problem at once, in the order of the file's lines, whatever order they are found in."""
    child = tmp_path / "mine.toml"
    child.write_text(f"""extends = "{BASELINE.as_posix()}"

[[mandate]]
name = "Renewal 2025"
renewal_probability = 1.2

[[contingent]]
country = "Kenya"
fulfilmnet = 0.5

[[contingent]]
country = "Benin"
batches = [{{ arrive = 2024-12-01, size = 300 }}]
""")
    assert cli.main(["validate", str(child)]) == 2
    problems = [PROBLEM_LINE.match(line) for line in capsys.readouterr().err.splitlines()]
    assert all(problems) and len(problems) == 3
    assert [int(p["line"]) for p in problems] == [5, 9, 13]
    assert [p["path"] for p in problems] == [
        "mandate.Renewal 2025.renewal_probability", "contingent.Kenya.fulfilmnet", "contingent.Benin.batches"]


# --------------------------------------------------------------------------- 2-3. bad files


def test_bad_corpus_is_large_enough():
    assert len(BAD) >= MIN_BAD_CASES, f"only {len(BAD)} bad cases in {BAD_DIR}"
    assert all(p.parent == BAD_DIR for p in BAD)  # helpers in _partners/ are not cases
    for case in BAD:
        expectations(case)  # every case states what it expects


@pytest.mark.parametrize("case", BAD, ids=lambda p: p.stem)
def test_bad_case_fails_cleanly(case, capsys):
    assert cli.main(["validate", str(case)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert "ok " not in out
    hit = expected_problem(err, case)
    reported = Path(hit["file"])
    assert reported.is_file(), f"problem names a file that does not exist: {reported}"
    if hit["line"] is not None and not hit["path"].startswith("<"):
        # the line given must exist and mention one of the key path's parts (or be a table header)
        lines = reported.read_text(encoding="utf-8").splitlines()
        number = int(hit["line"])
        assert 1 <= number <= len(lines)
        text = lines[number - 1]
        parts = [p for p in hit["path"].split(".") if p and not p.isdigit()]
        assert any(p in text for p in parts) or text.lstrip().startswith("["), (
            f"{case.name}: line {number} ({text!r}) does not mention {hit['path']}"
        )


#: Cases where TOML lets us point at the offending line: case -> text the reported line must hold.
LINE_CASES = {
    "typo_key": "fulfilmnet = 0.9",
    "typo_batch_key": "slip = 10",
    "typo_rotation_key": "gap_day = 14",
    "negative_batch_size": "size = -200",
    "fulfilment_above_one": "fulfilment = 1.5",
    "renewal_probability_above_one": "renewal_probability = 1.2",
    "rotation_probability_above_one": "probability = 1.5",
    "bernoulli_p_above_one": "p = 1.3",
    "end_before_start": "end = 2024-01-01",
    "end_equals_start": "end = 2024-06-25",
    "unknown_fact": "fact:kenya.pledged_totl",
    "lognormal_negative_sigma": "sigma = -0.5",
    "schedule_negative_interval": "interval_days = -30",
    "tour_days_zero": "tour_days = 0",
    "string_for_number_in_mandate": 'drawdown_days = "ninety"',
    "negative_pledge_amount": "amount_usd = -300_000_000",
    "number_for_date": "start = 20240625",
    "number_for_batch_date": "arrive = 20240701",
    "unknown_table": "[weather]",
    "extends_missing": 'extends = "no_such_parent.toml"',
    "malformed": "[scenario",
    "duplicate_toml_key": 'name = "Twice"',
}


@pytest.mark.parametrize("stem, needle", sorted(LINE_CASES.items()))
def test_bad_case_points_at_the_offending_line(stem, needle, capsys):
    case = BAD_DIR / f"{stem}.toml"
    assert case.is_file(), f"bad case {case.name} disappeared"
    assert cli.main(["validate", str(case)]) == 2
    hit = expected_problem(capsys.readouterr().err, case)
    assert hit["line"] is not None, f"{case.name}: no line number in {hit.group(0)!r}"
    assert Path(hit["file"]).resolve() == case.resolve()
    lines = case.read_text(encoding="utf-8").splitlines()
    assert needle in lines[int(hit["line"]) - 1], f"line {hit['line']} of {case.name} is {lines[int(hit['line']) - 1]!r}"


@pytest.mark.parametrize("stem, needle", [("duplicate_country", 'country = "A"'), ("duplicate_mandate", 'name = "M"'),
                                          ("duplicate_donor", 'donor = "D"')])
def test_duplicate_item_points_at_the_duplicate(stem, needle, capsys):
    case = BAD_DIR / f"{stem}.toml"
    assert cli.main(["validate", str(case)]) == 2
    hit = expected_problem(capsys.readouterr().err, case)
    lines = case.read_text(encoding="utf-8").splitlines()
    second = [i + 1 for i, line in enumerate(lines) if needle in line][1]
    assert int(hit["line"]) == second


@pytest.mark.parametrize("stem", ["binary", "malformed", "typo_key", "extends_cycle"])
def test_console_script_exits_2_without_traceback(stem):
    case = BAD_DIR / f"{stem}.toml"
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(case)], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    expected_problem(proc.stderr, case)


# --------------------------------------------------------------------------- 4. generated valid scenarios

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
    st.text(min_size=1, max_size=12),
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


def test_toml_writer_round_trips():
    import tomllib

    document = {
        "extends": "a b.toml",
        "scenario": {"name": 'q"\\\n\x7f é', "start": dt.date(2024, 1, 1), "x": 1.5e-300},
        "contingent": [{"country": "A", "batches": [{"arrive": dt.date(2024, 2, 1), "size": 3}],
                        "rotation": {}}],
        "funding": {"cost": 1, "pledge": [{"donor": "D.x", "amount_usd": 5}]},
    }
    assert tomllib.loads(write_toml(document)) == document


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("generated")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=scenario_spec())
def test_generated_valid_scenarios_load(spec, generated_dir):
    path = generated_dir / "generated.toml"
    path.write_text(write_toml(raw(spec)), encoding="utf-8")
    scenario = sim.load(path)

    meta = spec["scenario"]
    assert (scenario.name, scenario.start, scenario.end) == (meta["name"], meta["start"], meta["end"])
    assert scenario.description == meta.get("description", "")
    assert scenario.seed == meta.get("seed", scenario.seed)
    assert scenario.replications == meta.get("replications", scenario.replications)
    assert scenario.authorized == spec["mission"]["authorized"]
    assert scenario.target == spec["mission"].get("target", spec["mission"]["authorized"])
    assert scenario.facts_used == ()

    assumptions = spec.get("assumptions", {})
    base = {
        "fulfilment": expected(assumptions.get("fulfilment"), Dist.fixed(1.0)),
        "slip_days": expected(assumptions.get("slip_days"), Dist.fixed(0)),
        "tour_days": expected(assumptions.get("tour_days"), Dist.fixed(365)),
        "attrition_per_year": expected(assumptions.get("attrition_per_year"), Dist.fixed(0)),
        "probability": expected(assumptions.get("rotation", {}).get("probability"), Dist.fixed(1.0)),
        "gap_days": expected(assumptions.get("rotation", {}).get("gap_days"), Dist.fixed(0)),
    }

    assert [c.country for c in scenario.contingents] == [c["country"] for c in spec["contingent"]]
    assert sum(c.pledged for c in scenario.contingents) == sum(c["pledged"] for c in spec["contingent"])
    for got, want in zip(scenario.contingents, spec["contingent"]):
        assert got.pledged == want["pledged"]
        assert sum(b.size for b in got.batches) == want["pledged"]
        assert got.fulfilment == expected(want.get("fulfilment"), base["fulfilment"])
        assert got.tour_days == expected(want.get("tour_days"), base["tour_days"])
        assert got.attrition_per_year == expected(want.get("attrition_per_year"), base["attrition_per_year"])
        rotation = want.get("rotation", {})
        assert got.relief_probability == expected(rotation.get("probability"), base["probability"])
        assert got.relief_gap_days == expected(rotation.get("gap_days"), base["gap_days"])
        slip = expected(want.get("slip_days"), base["slip_days"])
        if "batches" in want:
            assert [(b.planned, b.size) for b in got.batches] == [(b["arrive"], b["size"]) for b in want["batches"]]
            assert [b.slip_days for b in got.batches] == [expected(b.get("slip_days"), slip) for b in want["batches"]]
        else:
            schedule = want["schedule"]
            count, interval = schedule["batches"], schedule.get("interval_days", 0)
            assert len(got.batches) == count
            assert [b.planned for b in got.batches] == [
                schedule["first"] + dt.timedelta(days=k * interval) for k in range(count)
            ]
            sizes = [b.size for b in got.batches]
            assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
            assert all(b.slip_days == expected(schedule.get("slip_days"), slip) for b in got.batches)

    mandates = spec.get("mandate", [])
    assert [m.expires for m in scenario.mandates] == sorted(m.expires for m in scenario.mandates)
    assert sorted(m.name for m in scenario.mandates) == sorted(m["name"] for m in mandates)
    by_name = {m.name: m for m in scenario.mandates}
    for want in mandates:
        got = by_name[want["name"]]
        assert got.expires == want["expires"]
        assert got.renewal_probability == expected(want.get("renewal_probability"), Dist.fixed(1.0))
        assert got.renewed_months == want.get("renewed_months", 12)
        assert got.authorized_after == want.get("authorized_after")
        assert got.drawdown_days == want.get("drawdown_days", 0)

    if "funding" not in spec:
        assert scenario.funding is None
    else:
        funding, want = scenario.funding, spec["funding"]
        assert funding is not None
        assert funding.start_balance_usd == want.get("start_balance_usd", 0)
        assert funding.cost_per_officer_day_usd == want.get("cost_per_officer_day_usd", 0)
        assert funding.runway_days == want.get("runway_days", 0)
        pledges = want.get("pledge", [])
        assert [p.donor for p in funding.pledges] == [p["donor"] for p in pledges]
        assert sum(p.amount_usd for p in funding.pledges) == pytest.approx(sum(p["amount_usd"] for p in pledges))
        for got, pledge in zip(funding.pledges, pledges):
            assert got.amount_usd == pledge["amount_usd"] and got.first == pledge["first"]
            assert got.tranches == pledge.get("tranches", 1)
            assert got.fulfilment == expected(pledge.get("fulfilment"), Dist.fixed(1.0))
            assert got.slip_days == expected(pledge.get("slip_days"), Dist.fixed(0))

    # rebuilding without overrides gives the same scenario and hash
    again = scenario.with_overrides({})
    assert again == scenario and again.hash == scenario.hash


# --------------------------------------------------------------------------- 5. overrides


@functools.cache
def baseline() -> sim.Scenario:
    return sim.load(BASELINE)


def contingent(scenario, country):
    return next(c for c in scenario.contingents if c.country == country)


def mandate(scenario, name):
    return next(m for m in scenario.mandates if m.name == name)


def pledge(scenario, donor):
    return next(p for p in scenario.funding.pledges if p.donor == donor)


#: Override key -> (kind of value it takes, canonical key path in problems, getter on a Scenario).
#: Getters read places no other key of this table can change (Benin takes the [assumptions] defaults).
OVERRIDES = {
    "assumptions.fulfilment": ("fraction", None, lambda s: contingent(s, "Benin").fulfilment),
    "assumptions.slip_days": ("days0", None, lambda s: contingent(s, "Benin").batches[0].slip_days),
    "assumptions.tour_days": ("days1", None, lambda s: contingent(s, "Benin").tour_days),
    "contingent.Kenya.tour_days": ("days1", None, lambda s: contingent(s, "Kenya").tour_days),
    "contingent.Kenya.fulfilment": ("fraction", None, lambda s: contingent(s, "Kenya").fulfilment),
    "contingent.Kenya.attrition_per_year": ("days0", None, lambda s: contingent(s, "Kenya").attrition_per_year),
    "contingent.Kenya.rotation.probability": ("fraction", None, lambda s: contingent(s, "Kenya").relief_probability),
    "contingent.Kenya.batches.0.slip_days": ("days0", None, lambda s: contingent(s, "Kenya").batches[0].slip_days),
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
DIST_KINDS = {"fraction", "days0", "days1"}

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


def resolve_fact(value):
    if isinstance(value, str) and value.startswith("fact:"):
        facts = sim.load_facts(Path(baseline().facts_path))
        return facts.get(value[5:]).value if value[5:] in facts else value
    return value


def classify(kind: str, value):
    """True: the override must be accepted; False: it must be refused; None: either (distribution tables)."""
    value = resolve_fact(value)
    if isinstance(value, dict):
        return classify_table(kind, value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    integral = value == int(value)
    return {
        "fraction": 0 <= value <= 1,
        "days0": value >= 0,
        "days1": value >= 1,
        "int0": integral and value >= 0,
        "int1": integral and value >= 1,
        "months": integral and 0 <= value <= 1200,  # a century at most between renewals
        "number0": value >= 0,
        "any_number": True,
        "kenya_pledged": integral and value == 1000,
    }[kind]


def classify_table(kind: str, value: dict):
    """The contract (DESIGN.md section 3) for a distribution table given where ``kind`` is expected."""
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
    low = 1 if kind == "days1" else 0
    if lo == hi or dist.kind not in ("normal", "lognormal"):
        return lo >= low  # a bounded (or degenerate) distribution must stay within bounds
    # unbounded forms: negative days are clipped to 0 by the model; below 1 tour day is left open
    return True if low == 0 else None


def expected_value(kind: str, value):
    value = resolve_fact(value)
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
def test_overrides_give_the_value_or_a_clean_error(overrides):
    base = baseline()
    document_before, hash_before = copy.deepcopy(base.document), base.hash
    verdicts = {key: classify(OVERRIDES[key][0], value) for key, value in overrides.items()}
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
            assert getter(variant) == expected_value(kind, value), key
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
def test_single_overrides(key, value, expect):
    base = baseline()
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
    ("assumptions.slip_days", {"dist": "normal", "mean": -5, "sd": 0}, "assumptions.slip_days", ">= 0"),
])
def test_single_bad_overrides(key, value, bad_path, message):
    with pytest.raises(ScenarioError) as info:
        baseline().with_overrides({key: value})
    assert any(p.path == bad_path and message in p.message for p in info.value.problems), [str(p) for p in info.value.problems]
    assert baseline() == sim.load(BASELINE)


def test_override_of_an_unknown_key_suggests_the_right_one():
    with pytest.raises(ScenarioError) as info:
        baseline().with_overrides({"assumptions.fulfilmnet": 0.5})
    problems = info.value.problems
    assert any(p.path == "assumptions.fulfilmnet" and "'fulfilment'" in p.message for p in problems), problems


def test_override_of_an_unknown_item_suggests_the_right_one():
    with pytest.raises(ScenarioError) as info:
        baseline().with_overrides({"contingent.Kenyaa.tour_days": 180})
    problems = info.value.problems
    assert any(p.path == "contingent.Kenyaa.tour_days" and "'Kenya'" in p.message for p in problems), problems


@pytest.mark.parametrize("key", ["scenario.seed.x", "contingent.Kenya", "contingent.9.tour_days", "scenario"])
def test_override_of_a_wrong_place_raises_scenario_error(key):
    with pytest.raises(ScenarioError) as info:
        baseline().with_overrides({key: 1})
    assert any(p.path.startswith(key.split(".")[0]) for p in info.value.problems)


def test_override_with_a_huge_interval_raises_scenario_error():
    with pytest.raises(ScenarioError):
        baseline().with_overrides({"contingent.Benin.schedule.interval_days": 10**7})


def test_override_with_huge_renewed_months_is_refused_or_usable():
    try:
        variant = baseline().with_overrides({"mandate.Renewal 2025.renewed_months": 10**6})
    except ScenarioError:
        return
    variant.deadlines()


def test_override_same_value_keeps_hash():
    base = baseline()
    assert base.with_overrides({"scenario.seed": base.seed}).hash == base.hash


# --------------------------------------------------------------------------- 6. extends

PARENT = """\
[scenario]
name = "Parent"
description = "the parent"
start = 2025-01-01
end = 2026-06-30
seed = 5

[mission]
authorized = 1000
target = 1500

[assumptions]
fulfilment = 0.9
rotation = { probability = 0.8, gap_days = 14 }

[[mandate]]
name = "M1"
expires = 2025-06-01
renewal_probability = 0.9
drawdown_days = 30

[[mandate]]
name = "M2"
expires = 2026-01-01
renewal_probability = 0.7

[[contingent]]
country = "Alpha"
pledged = 300
fulfilment = 0.8
tour_days = 200
batches = [
  { arrive = 2025-01-10, size = 100 },
  { arrive = 2025-02-10, size = 200 },
]

[[contingent]]
country = "Beta"
pledged = 200
schedule = { first = 2025-03-01, batches = 2, interval_days = 30 }

[[contingent]]
country = "Gamma"
pledged = 100
fulfilment = { dist = "beta", mean = 0.6, sd = 0.1 }
batches = [ { arrive = 2025-04-01, size = 100 } ]

[funding]
start_balance_usd = 1_000_000
cost_per_officer_day_usd = 100

[[funding.pledge]]
donor = "D1"
amount_usd = 5_000_000
tranches = 2
first = 2025-02-01
interval_days = 90

[[funding.pledge]]
donor = "D2"
amount_usd = 1_000_000
first = 2025-05-01
"""


@pytest.fixture
def family(tmp_path):
    """Write the parent, and return a function that writes a child extending it and loads the child."""
    (tmp_path / "parent.toml").write_text(PARENT, encoding="utf-8")

    def child(text: str, name: str = "child.toml") -> sim.Scenario:
        path = tmp_path / name
        path.write_text('extends = "parent.toml"\n' + text, encoding="utf-8")
        return sim.load(path)

    return child


def test_extends_without_changes_is_the_parent(family, tmp_path):
    parent = sim.load(tmp_path / "parent.toml")
    child = family("")
    assert child.hash == parent.hash
    assert child.contingents == parent.contingents and child.mandates == parent.mandates
    assert child.funding == parent.funding and child.name == "Parent"


def test_extends_merges_a_table_key_by_key(family):
    child = family('[scenario]\nname = "Child"\n')
    assert child.name == "Child"
    assert (child.description, child.start, child.end, child.seed) == ("the parent", dt.date(2025, 1, 1), dt.date(2026, 6, 30), 5)


def test_extends_child_changing_one_contingent_key_keeps_the_others(family, tmp_path):
    parent = sim.load(tmp_path / "parent.toml")
    child = family('[[contingent]]\ncountry = "Alpha"\ntour_days = 150\n')
    alpha, parent_alpha = contingent(child, "Alpha"), contingent(parent, "Alpha")
    assert alpha.tour_days == Dist.fixed(150)
    assert alpha.pledged == 300 and alpha.fulfilment == Dist.fixed(0.8)
    assert alpha.batches == parent_alpha.batches
    assert alpha.relief_probability == Dist.fixed(0.8) and alpha.relief_gap_days == Dist.fixed(14)
    assert [c.country for c in child.contingents] == ["Alpha", "Beta", "Gamma"]
    assert child.contingents[1:] == parent.contingents[1:]


def test_extends_remove_drops_the_parents_items(family):
    child = family(
        '[[contingent]]\ncountry = "Beta"\nremove = true\n\n'
        '[[mandate]]\nname = "M1"\nremove = true\n\n'
        '[[funding.pledge]]\ndonor = "D2"\nremove = true\n'
    )
    assert [c.country for c in child.contingents] == ["Alpha", "Gamma"]
    assert [m.name for m in child.mandates] == ["M2"]
    assert [p.donor for p in child.funding.pledges] == ["D1"]


def test_extends_new_item_is_appended(family):
    child = family(
        '[[contingent]]\ncountry = "Delta"\npledged = 50\nbatches = [ { arrive = 2025-05-01, size = 50 } ]\n\n'
        '[[mandate]]\nname = "M3"\nexpires = 2026-03-01\n\n'
        '[[funding.pledge]]\ndonor = "D3"\namount_usd = 10\nfirst = 2025-03-01\n'
    )
    assert [c.country for c in child.contingents] == ["Alpha", "Beta", "Gamma", "Delta"]
    delta = contingent(child, "Delta")
    assert delta.fulfilment == Dist.fixed(0.9)  # the parent's [assumptions] apply to the new item
    assert [m.name for m in child.mandates] == ["M1", "M2", "M3"]
    assert [p.donor for p in child.funding.pledges] == ["D1", "D2", "D3"]


def test_extends_schedule_replaces_the_parents_batches(family):
    child = family('[[contingent]]\ncountry = "Alpha"\nschedule = { first = 2025-06-01, batches = 3, interval_days = 10 }\n')
    alpha = contingent(child, "Alpha")
    assert [(b.planned, b.size) for b in alpha.batches] == [
        (dt.date(2025, 6, 1), 100), (dt.date(2025, 6, 11), 100), (dt.date(2025, 6, 21), 100)]
    assert alpha.tour_days == Dist.fixed(200)


def test_extends_batches_replace_the_parents_schedule(family):
    child = family('[[contingent]]\ncountry = "Beta"\nbatches = [ { arrive = 2025-07-01, size = 200 } ]\n')
    assert [(b.planned, b.size) for b in contingent(child, "Beta").batches] == [(dt.date(2025, 7, 1), 200)]


def test_extends_merges_nested_tables_but_replaces_distributions(family):
    child = family(
        '[assumptions]\nrotation = { gap_days = 30 }\n\n'
        '[[contingent]]\ncountry = "Gamma"\nfulfilment = { dist = "uniform", low = 0.2, high = 0.4 }\n'
    )
    beta = contingent(child, "Beta")
    assert beta.relief_probability == Dist.fixed(0.8) and beta.relief_gap_days == Dist.fixed(30)
    assert contingent(child, "Gamma").fulfilment == Dist("uniform", (0.2, 0.4))


def test_extends_matches_mandates_by_name_and_pledges_by_donor(family):
    child = family(
        '[[mandate]]\nname = "M1"\nrenewal_probability = 0.5\n\n'
        '[[funding.pledge]]\ndonor = "D1"\nslip_days = 20\n'
    )
    m1 = mandate(child, "M1")
    assert m1.renewal_probability == Dist.fixed(0.5)
    assert m1.expires == dt.date(2025, 6, 1) and m1.drawdown_days == 30
    d1 = pledge(child, "D1")
    assert d1.slip_days == Dist.fixed(20) and d1.amount_usd == 5_000_000 and d1.tranches == 2


def test_extends_path_is_relative_to_the_file_and_chains(family, tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    family('[scenario]\nname = "Child"\n')  # writes child.toml
    (sub / "grandchild.toml").write_text(
        'extends = "../child.toml"\n[[contingent]]\ncountry = "Gamma"\nremove = true\n', encoding="utf-8")
    monkeypatch.chdir(REPO)
    grandchild = sim.load(sub / "grandchild.toml")
    assert grandchild.name == "Child"
    assert [c.country for c in grandchild.contingents] == ["Alpha", "Beta"]


def test_extends_child_problem_is_reported_in_the_child(family, tmp_path):
    with pytest.raises(ScenarioError) as info:
        family('[[contingent]]\ncountry = "Alpha"\ntour_dayz = 150\n')
    (problem,) = [p for p in info.value.problems if p.path == "contingent.Alpha.tour_dayz"]
    assert Path(problem.file) == tmp_path / "child.toml" and problem.line == 4
    assert "'tour_days'" in problem.message


# --------------------------------------------------------------------------- 7. fact provenance


def test_baseline_records_the_facts_it_uses():
    used = {f.id: f for f in baseline().facts_used}
    planned = used["mission.planned_total"]
    assert planned.value == 2500
    assert planned.source == "000_5907332dfe599310.txt"
    assert planned.path == "mission.authorized"
    assert planned.quote
    assert baseline().authorized == 2500
    assert used["kenya.pledged_total"].value == 1000 == contingent(baseline(), "Kenya").pledged
    assert [f.id for f in baseline().facts_used] == sorted(used)


def test_removing_an_item_the_parent_lacks_is_an_error(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n\n[[contingent]]\ncountry = "Beninn"\nremove = true\n')
    with pytest.raises(sim.ScenarioError) as error:
        sim.load(child)
    (problem,) = error.value.problems
    assert problem.path == "contingent.Beninn.remove" and problem.line == 5
    assert "did you mean 'Benin'" in problem.message


def test_json_schema_accepts_every_shipped_scenario(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    import datetime
    import json
    import tomllib

    from sim.cli import main

    assert main(["validate", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, datetime.date) else value

    for path in sorted((REPO / "scenarios").glob("*.toml")) + sorted((REPO / "tests" / "good").glob("*.toml")):
        jsonschema.validate(plain(tomllib.loads(path.read_text())), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"contingent": [{"country": "A", "fulfilmnet": 1}]}, schema)
