"""Scenario validation (docs/design.md sections 3 and 6) through ``sim validate``: good files load, bad files fail cleanly.

* every file in ``scenarios/`` and ``tests/good/`` loads and ``sim validate`` exits 0;
* every case in ``tests/bad/`` (expectations in its ``# expect-path:`` / ``# expect-message:``
  header, or in ``NAME.expect`` beside it) makes ``sim validate`` exit 2 with a
  ``FILE:LINE: key.path: message`` (or ``FILE: key.path: message``) line and no traceback,
  the line being the offending one where TOML lets us find it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main

from conftest import BAD_DIR, BASELINE, GOOD, ROOT
from helpers import PROBLEM_LINE

BAD = sorted(BAD_DIR.glob("*.toml"))  # not recursive: tests/bad/_partners/ holds helpers, not cases
MIN_BAD_CASES = 20


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
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("ok")


def test_all_good_files_validate_at_once(capsys):
    assert len(GOOD) >= 7 + 5
    assert main(["validate", "-q", *map(str, GOOD)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_mixed_good_and_bad_files_exit_2(capsys):
    assert main(["validate", str(BASELINE), str(BAD_DIR / "typo_key.toml")]) == 2
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
    assert main(["validate", str(child)]) == 2
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
    assert main(["validate", str(case)]) == 2
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
    assert main(["validate", str(case)]) == 2
    hit = expected_problem(capsys.readouterr().err, case)
    assert hit["line"] is not None, f"{case.name}: no line number in {hit.group(0)!r}"
    assert Path(hit["file"]).resolve() == case.resolve()
    lines = case.read_text(encoding="utf-8").splitlines()
    assert needle in lines[int(hit["line"]) - 1], f"line {hit['line']} of {case.name} is {lines[int(hit['line']) - 1]!r}"


@pytest.mark.parametrize("stem, needle", [("duplicate_country", 'country = "A"'), ("duplicate_mandate", 'name = "M"'),
                                          ("duplicate_donor", 'donor = "D"')])
def test_duplicate_item_points_at_the_duplicate(stem, needle, capsys):
    case = BAD_DIR / f"{stem}.toml"
    assert main(["validate", str(case)]) == 2
    hit = expected_problem(capsys.readouterr().err, case)
    lines = case.read_text(encoding="utf-8").splitlines()
    second = [i + 1 for i, line in enumerate(lines) if needle in line][1]
    assert int(hit["line"]) == second


@pytest.mark.parametrize("stem", ["binary", "malformed", "typo_key", "extends_cycle"])
def test_console_script_exits_2_without_traceback(stem):
    case = BAD_DIR / f"{stem}.toml"
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(case)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    expected_problem(proc.stderr, case)
