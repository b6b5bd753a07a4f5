"""Hostile input (issue #16): every case is refused cleanly (exit 2, the file or key path, what is allowed, no
traceback) or runs sensibly, each process under a memory limit (RLIMIT_AS) and a time-out.

The corpus is written here, case by case: TOML syntax, encodings, wrong types, NaN and infinity, out-of-range
and absurd sizes, names, ``extends`` abuse, fact misuse, files that are not scenario files, command-line
flags and observation files. Cases are batched: one ``sim validate`` process checks every scenario case at
once (it prints each file's problems), and tests/hostile/driver.py runs many command lines in one process.
The cases at the documented limits (slow) check that what the validator accepts runs within 60 s and 6 GB.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from sim.scenario import limits

REPO = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).resolve().parent / "hostile" / "driver.py"
MEMORY = 2 << 30  # bytes of address space for a batch of cases: far below what the bugs of #16 took
LIMIT_MEMORY = 6 << 30  # for a run at the documented limits (the bound)
PROBLEM = re.compile(r"^(?P<file>.+?)(?::(?P<line>\d+))?: (?P<path>(?:[^:\n]|:(?! ))+?): (?P<message>.+)$")

BASE = (Path(__file__).resolve().parent / "hostile" / "base.toml").read_text(encoding="utf-8")


def mutate(*pairs: str, base: str = BASE) -> str:
    """``base`` with each (old, new) pair of lines replaced once; a pair whose old text is missing is a test bug."""
    text = base
    for old, new in zip(pairs[::2], pairs[1::2]):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def extra(table_text: str) -> str:
    """BASE with more text appended."""
    return BASE + "\n" + table_text


def contingents(count: int, pledged: int = 10, batches: int = 1) -> str:
    """``count`` more contingents, each with a schedule of ``batches``."""
    return "".join(f'\n[[contingent]]\ncountry = "C{k:04d}"\npledged = {pledged}\n'
                   f"schedule = {{ first = 2024-07-01, batches = {batches} }}\n" for k in range(count))


def pledges(count: int, tranches: int) -> str:
    """``count`` more pledges of ``tranches`` tranches each."""
    return "".join(f'\n[[funding.pledge]]\ndonor = "D{k}"\namount_usd = 1000\ntranches = {tranches}\n'
                   f"first = 2024-07-01\n" for k in range(count))


NFC = unicodedata.normalize("NFC", "Côte d'Ivoire")
NFD = unicodedata.normalize("NFD", NFC)


# --------------------------------------------------------------------------- the process


def limited(memory: int) -> Callable[[], None]:
    """A preexec_fn giving the child at most ``memory`` bytes of address space."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return apply


def python(args: list[str], *, timeout: float, memory: int = MEMORY, stdin: str | None = None,
           cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python ARGS`` under the memory limit; a time-out fails the test naming the case that was running."""
    try:
        return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=limited(memory), cwd=cwd or REPO)
    except subprocess.TimeoutExpired as error:
        err = error.stderr.decode() if isinstance(error.stderr, bytes) else (error.stderr or "")
        started = re.findall(r"^START (.+)$", err, re.M)
        pytest.fail(f"time-out after {timeout} s{f' in case {started[-1]}' if started else ''}")


def run_cases(cases: dict[str, list[str]], *, timeout: float, memory: int = MEMORY, cwd: Path | None = None) -> dict:
    """Each case's ``{"code", "out", "err"}`` from one driver process (see tests/hostile/driver.py)."""
    done = python([str(DRIVER)], stdin=json.dumps(list(cases.items())), timeout=timeout, memory=memory, cwd=cwd)
    results = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        results[record.pop("id")] = record
    missing = [case for case in cases if case not in results]
    assert not missing, f"the driver died (exit {done.returncode}) before {missing[0]}: {done.stderr[-2000:]}"
    return results


def clean_refusal(result: dict, *needles: str) -> None:
    """Exit code 2, every needle in the message, no traceback, no internal error."""
    text = result["out"] + result["err"]
    assert result["code"] == 2, f"exit {result['code']}: {text[-1500:]}"
    assert "Traceback" not in text and "internal error" not in text, text[-1500:]
    for needle in needles:
        assert needle in result["err"], f"{needle!r} not in: {result['err'][-1500:]}"
    assert max(map(len, result["err"].splitlines() or [""])) < 2_000, "a message of a megabyte"


# --------------------------------------------------------------------------- scenario files


@dataclass
class Case:
    """A scenario case: its file (text, bytes, or made by a function of the folder) and what validate says."""

    name: str
    content: str | bytes | Callable[[Path], Path]
    path: str | None = None  # expected key path ("<toml>", "<file>", "contingent.Kenya.pledged", ...); None: valid
    message: str = ""  # a part of the expected message

    def write(self, folder: Path) -> Path:
        """The case's file in ``folder``."""
        if callable(self.content):
            return self.content(folder)
        target = folder / f"{self.name}.toml"
        if isinstance(self.content, bytes):
            target.write_bytes(self.content)
        else:
            target.write_text(self.content, encoding="utf-8")
        return target


def fifo(folder: Path) -> Path:
    """A named pipe nobody writes to."""
    path = folder / "pipe.toml"
    os.mkfifo(path)
    return path


def symlink_to_zero(folder: Path) -> Path:
    """A .toml symlink to /dev/zero."""
    path = folder / "zero.toml"
    path.symlink_to("/dev/zero")
    return path


def a_folder(folder: Path) -> Path:
    """A folder named like a scenario."""
    path = folder / "folder.toml"
    path.mkdir()
    return path


def chain(depth: int) -> Callable[[Path], Path]:
    """A file at the end of an ``extends`` chain ``depth`` parents deep (the last parent is BASE)."""
    def make(folder: Path) -> Path:
        sub = folder / f"chain{depth}"
        sub.mkdir()
        (sub / "c0.toml").write_text(BASE, encoding="utf-8")
        for k in range(1, depth + 1):
            (sub / f"c{k}.toml").write_text(f'extends = "c{k - 1}.toml"\n', encoding="utf-8")
        return sub / f"c{depth}.toml"
    return make


def cycle(folder: Path) -> Path:
    """a -> b -> c -> a."""
    sub = folder / "cycle"
    sub.mkdir()
    for name, parent in (("a", "b"), ("b", "c"), ("c", "a")):
        (sub / f"{name}.toml").write_text(f'extends = "{parent}.toml"\n', encoding="utf-8")
    return sub / "a.toml"


def extends_to(target: str, prepare: Callable[[Path], None] | None = None) -> Callable[[Path], Path]:
    """A file extending ``target`` (relative to a fresh folder, made ready by ``prepare``)."""
    def make(folder: Path) -> Path:
        sub = folder / f"extends{abs(hash(target)) % 10**8}"
        sub.mkdir()
        if prepare:
            prepare(sub)
        path = sub / "child.toml"
        path.write_text(f"extends = {json.dumps(target)}\n", encoding="utf-8")
        return path
    return make


def child_of_base(text: str) -> Callable[[Path], Path]:
    """A file extending BASE (copied beside it) with ``text``."""
    def make(folder: Path) -> Path:
        sub = folder / f"child{abs(hash(text)) % 10**8}"
        sub.mkdir()
        (sub / "base.toml").write_text(BASE, encoding="utf-8")
        path = sub / "child.toml"
        path.write_text('extends = "base.toml"\n' + text, encoding="utf-8")
        return path
    return make


def own_facts(facts: str | bytes, scenario: str) -> Callable[[Path], Path]:
    """A scenario with its own seeds/facts.toml beside it."""
    def make(folder: Path) -> Path:
        sub = folder / f"facts{abs(hash((facts, scenario))) % 10**8}"
        (sub / "seeds").mkdir(parents=True)
        target = sub / "seeds" / "facts.toml"
        target.write_bytes(facts) if isinstance(facts, bytes) else target.write_text(facts, encoding="utf-8")
        path = sub / "scenario.toml"
        path.write_text(scenario, encoding="utf-8")
        return path
    return make


FACT = """[[fact]]
id = "x.value"
value = {value}
unit = "{unit}"
as_of = 2024-08-27
source = "a.txt"
quote = "x"
"""

CASES = [
    # TOML syntax and encodings
    Case("unclosed_table", mutate("[mission]", "[mission"), "<toml>", "invalid TOML"),
    Case("duplicate_key", mutate("seed = 7", "seed = 7\nseed = 8"), "<toml>", "invalid TOML"),
    Case("bad_escape", mutate('name = "Hostile base"', 'name = "a\\qb"'), "<toml>", "invalid TOML"),
    Case("integer_of_5000_digits", mutate("pledged = 400", "pledged = " + "9" * 5000), "<toml>", "invalid TOML"),
    Case("arrays_2000_deep", extra("x = " + "[" * 2000 + "]" * 2000), "<toml>", "nested too deeply"),
    Case("arrays_20_deep", mutate("seed = 7", "seed = 7\nx = " + "[" * 20 + "]" * 20), "scenario.x.0.0.0.0.0.0", "nested more than 8"),
    Case("tables_30_deep", mutate("seed = 7", "seed = 7\nx = " + "{a = " * 30 + "1" + "}" * 30), "scenario.x.a.a.a.a.a.a", "nested"),
    Case("utf16", BASE.encode("utf-16"), "<toml>", "not a text file"),
    Case("latin1", mutate('country = "Benin"', 'country = "Bénin"').encode("latin-1"), "<toml>", "not UTF-8"),
    Case("nul_byte", BASE.replace("[mission]", "[mission]\x00").encode(), "<toml>", "NUL"),
    Case("byte_order_mark", b"\xef\xbb\xbf" + BASE.encode()),
    Case("crlf", BASE.replace("\n", "\r\n")),
    Case("empty", "", "scenario", "missing"),
    Case("two_megabytes", BASE + ("# " + "x" * 98 + "\n") * 20_000, "<file>", "larger than 1,000,000 bytes"),
    Case("fifo", fifo, "<file>", "not a regular file"),
    Case("symlink_to_dev_zero", symlink_to_zero, "<file>", "not a regular file"),
    Case("folder", a_folder, "<file>", "is a folder"),
    # wrong types
    Case("string_for_number", mutate("pledged = 400", 'pledged = "400"'), "contingent.Benin.pledged", "whole number"),
    Case("integer_date", mutate("start = 2024-06-25", "start = 20240625"), "scenario.start", "date"),
    Case("time_for_date", mutate("start = 2024-06-25", "start = 07:30:00"), "scenario.start", "date"),
    Case("boolean_for_number", mutate("authorized = 2500", "authorized = true"), "mission.authorized", "boolean"),
    Case("fraction_of_replications", mutate("replications = 100", "replications = 1.5"), "scenario.replications", "whole number"),
    Case("number_for_array", "contingent = 5\n" + BASE[: BASE.index("[[contingent]]")] + BASE[BASE.index("[funding]"):],
         "contingent", "array of tables"),
    Case("array_for_number", mutate("fulfilment = 0.8", "fulfilment = [0.8]"), "assumptions.fulfilment", "distribution table"),
    Case("table_for_name", mutate('name = "Hostile base"', "name = { a = 1 }"), "scenario.name", "must be a string"),
    # NaN and infinity, wherever a number is read
    Case("nan_fulfilment", mutate("fulfilment = 0.8", "fulfilment = nan"), "assumptions.fulfilment", "finite"),
    Case("nan_renewal", mutate("renewal_probability = 0.9", "renewal_probability = nan"), "mandate.M.renewal_probability", "finite"),
    Case("inf_slip", mutate("slip_days = 10", "slip_days = inf"), "assumptions.slip_days", "finite"),
    Case("minus_inf_gap", mutate("gap_days = 14", "gap_days = -inf"), "assumptions.rotation.gap_days", "finite"),
    Case("inf_attrition", mutate("attrition_per_year = 0.03", "attrition_per_year = inf"), "assumptions.attrition_per_year", "finite"),
    Case("nan_tour", mutate("tour_days = 180", "tour_days = nan"), "assumptions.tour_days", "finite"),
    Case("inf_amount", mutate("amount_usd = 100_000_000", "amount_usd = inf"), "funding.pledge.US.amount_usd", "finite"),
    Case("minus_inf_balance", mutate("start_balance_usd = 20_000_000", "start_balance_usd = -inf"), "funding.start_balance_usd", "finite"),
    Case("nan_cost", mutate("cost_per_officer_day_usd = 150", "cost_per_officer_day_usd = nan"), "funding.cost_per_officer_day_usd", "finite"),
    Case("1e400_is_infinite", mutate("pledged = 400", "pledged = 1e400"), "contingent.Benin.pledged", "finite"),
    Case("nan_in_distribution", mutate("slip_days = 10", 'slip_days = { dist = "uniform", low = 0, high = nan }'), "assumptions.slip_days.high", "finite"),
    Case("inf_sigma", mutate("slip_days = 10", 'slip_days = { dist = "lognormal", median = 5, sigma = inf }'), "assumptions.slip_days.sigma", "finite"),
    Case("huge_integer_in_distribution", mutate("slip_days = 10", 'slip_days = { dist = "normal", mean = 0, sd = ' + "9" * 400 + " }"), "assumptions.slip_days.sd", "finite"),
    # out of range and absurd sizes
    Case("ten_million_pledged", mutate("pledged = 400", "pledged = 10_000_000"), "contingent.Benin.pledged", "<= 1,000,000"),
    Case("1e15_pledged", mutate("pledged = 400", "pledged = 1e15"), "contingent.Benin.pledged", "<= 1,000,000"),
    Case("huge_batch", mutate("size = 400 }", "size = 2_000_000 }"), "contingent.Kenya.batches.0.size", "<= 1,000,000"),
    Case("trillion_authorized", mutate("authorized = 2500", "authorized = 1_000_000_000_000"), "mission.authorized", "<= 1,000,000"),
    Case("1e300_balance", mutate("start_balance_usd = 20_000_000", "start_balance_usd = 1e300"), "funding.start_balance_usd", "<= 900,000,000,000"),
    Case("ten_trillion_pledge", mutate("amount_usd = 100_000_000", "amount_usd = 10_000_000_000_000"), "funding.pledge.US.amount_usd", "<= 900,000,000,000"),
    Case("replications_10e12", mutate("replications = 100", "replications = 1_000_000_000_000"), "scenario.replications", "<= 100,000"),
    Case("replications_zero", mutate("replications = 100", "replications = 0"), "scenario.replications", ">= 1"),
    Case("seed_2e64", mutate("seed = 7", f"seed = {2**64}"), "scenario.seed", "<= 9,223,372,036,854,775,807"),
    Case("seed_negative", mutate("seed = 7", "seed = -1"), "scenario.seed", ">= 0"),
    Case("billion_tranches", mutate("tranches = 4", "tranches = 1_000_000_000"), "funding.pledge.US.tranches", "<= 1,000"),
    Case("billion_drawdown", mutate("drawdown_days = 30", "drawdown_days = 1_000_000_000"), "mandate.M.drawdown_days", "<= 7,305"),
    Case("billion_interval", mutate("interval_days = 30 }", "interval_days = 1_000_000_000 }"), "contingent.Benin.schedule.interval_days", "<= 7,305"),
    Case("million_scheduled_batches", mutate("batches = 2,", "batches = 1_000_000,"), "contingent.Benin.schedule.batches", "<= 1,000"),
    Case("ten_million_tour", mutate("tour_days = 180", "tour_days = 10_000_000"), "assumptions.tour_days", "<= 7,305"),
    Case("uniform_tour_to_1e9", mutate("tour_days = 180", 'tour_days = { dist = "uniform", low = 1, high = 1e9 }'), "assumptions.tour_days", "<= 7,305"),
    Case("renewed_every_5000_months", mutate("renewed_months = 12", "renewed_months = 5000"), "mandate.M.renewed_months", "<= 1,200"),
    Case("attrition_1000", mutate("attrition_per_year = 0.03", "attrition_per_year = 1000"), "assumptions.attrition_per_year", "<= 100"),
    Case("runway_1e6_days", mutate("runway_days = 30", "runway_days = 1_000_000"), "funding.runway_days", "<= 7,305"),
    Case("end_9999", mutate("end = 2025-06-30", "end = 9999-12-31"), "scenario.end", "2199-12-31"),
    Case("start_year_1", mutate("start = 2024-06-25", "start = 0001-01-01"), "scenario.start", "1900-01-01"),
    Case("thirty_year_run", mutate("end = 2025-06-30", "end = 2054-06-30"), "scenario.end", "at most 7,305"),
    Case("batch_from_1990", mutate("arrive = 2024-06-25", "arrive = 1990-01-01"), "contingent.Kenya.batches.0.arrive", "at most 7,305"),
    Case("mandate_from_1950", mutate("expires = 2024-10-02", "expires = 1950-01-01"), "mandate.M.expires", "at most 7,305"),
    Case("histogram_too_large", mutate("pledged = 400", "pledged = 1_000_000", "size = 400 }", "size = 400 }",
                                       "authorized = 2500", "authorized = 1_000_000"), "scenario", "histogram"),
    Case("daily_rows_too_many", mutate("end = 2025-06-30", "end = 2028-06-30") + contingents(150), "scenario", "at most 200,000"),
    Case("201_contingents", BASE + contingents(199), "contingent", "at most 200"),
    Case("1001_explicit_batches", mutate("pledged = 1000\nbatches = [{ arrive = 2024-06-25, size = 400 }, { arrive = 2024-09-01, size = 600 }]",
                                         "pledged = 1001\nbatches = [" + ", ".join(["{ arrive = 2024-06-25, size = 1 }"] * 1001) + "]"),
             "contingent.Kenya.batches", "at most 1,000"),
    Case("1200_batches_in_all", BASE + contingents(2, pledged=600, batches=600), "contingent", "in all"),
    Case("1200_tranches_in_all", BASE + pledges(2, 600), "funding.pledge", "in all"),
    Case("201_pledges", BASE + pledges(201, 1), "funding.pledge", "at most 200"),
    Case("money_beyond_reach", mutate("cost_per_officer_day_usd = 150", "cost_per_officer_day_usd = 800_000_000_000"), "funding", "could reach"),
    Case("35000_unknown_keys", mutate("seed = 7", "seed = 7\n" + "".join(f"u{k} = {k}\n" for k in range(35_000))), "<more>", "more problems"),
    Case("huge_unknown_fact", mutate("pledged = 400", 'pledged = "fact:' + "f" * 100_000 + '"'), "contingent.Benin.pledged", "unknown fact"),
    Case("huge_distribution_name", mutate("slip_days = 10", 'slip_days = { dist = "' + "d" * 100_000 + '" }'),
         "assumptions.slip_days", "unknown distribution"),
    Case("huge_parameter_name", mutate("slip_days = 10", 'slip_days = { dist = "fixed", ' + "p" * 100_000 + " = 1 }"),
         "assumptions.slip_days." + "p" * 99 + "…", "unknown parameter"),
    Case("remove_a_huge_unknown_name", child_of_base('[[contingent]]\ncountry = "' + "r" * 100_000 + '"\nremove = true\n'),
         "contingent." + "r" * 99 + "….remove", "nothing to remove"),
    Case("half_megabyte_key", mutate("seed = 7", "seed = 7\n" + "k" * 500_000 + " = 1"), "scenario." + "k" * 99 + "…", "unknown key"),
    # names
    Case("country_total", mutate('country = "Benin"', 'country = "total"'), "contingent.total.country", "series"),
    Case("country_TOTAL", mutate('country = "Benin"', 'country = "TOTAL"'), "contingent.TOTAL.country", "series"),
    Case("nfc_and_nfd", mutate('country = "Kenya"', f'country = "{NFC}"', 'country = "Benin"', f'country = "{NFD}"'),
         f"contingent.{NFD}.country", "Unicode form"),
    Case("same_but_case", mutate('country = "Benin"', 'country = "KENYA"'), "contingent.KENYA.country", "but for case"),
    Case("100000_character_country", mutate('country = "Benin"', 'country = "' + "x" * 100_000 + '"'),
         "contingent." + "x" * 99 + "….country", "at most 100"),
    Case("long_mandate_name", mutate('name = "M"', 'name = "' + "m" * 101 + '"'), "mandate." + "m" * 99 + "….name", "at most 100"),
    Case("long_scenario_name", mutate('name = "Hostile base"', 'name = "' + "s" * 10_000 + '"'), "scenario.name", "at most 100"),
    Case("long_description", mutate("seed = 7", 'seed = 7\ndescription = "' + "d" * 20_000 + '"'), "scenario.description", "at most 10,000"),
    Case("empty_country", mutate('country = "Benin"', 'country = ""'), "contingent.1.country", "non-empty"),
    Case("donors_nfc_nfd", mutate('donor = "US"', f'donor = "{NFC}"') + pledges(0, 1) + f'\n[[funding.pledge]]\ndonor = "{NFD}"\namount_usd = 5\nfirst = 2024-07-01\n',
         f"funding.pledge.{NFD}.donor", "duplicate"),
    Case("mandate_name_is_a_fact", mutate('name = "M"', 'name = "fact:country.kenya"'), "mandate.fact:country.kenya.name", "plain text"),
    Case("distinct_unicode_names", mutate('country = "Kenya"', f'country = "{NFC}"', 'country = "Benin"', 'country = "Cote dIvoire"')),
    Case("dollars_and_controls", mutate('country = "Benin"', 'country = "$\\\\frac{$ B\\u0007\\u202e"', 'name = "M"', 'name = "$x^$"')),
    # extends
    Case("extends_cycle", cycle, "extends", "cycle"),
    Case("extends_16_deep", chain(16)),
    Case("extends_17_deep", chain(17), "extends", "at most 16"),
    Case("extends_1200_deep", chain(1200), "extends", "at most 16"),
    Case("extends_dev_zero", extends_to("/dev/zero"), "extends", "not a regular file"),
    Case("extends_fifo", extends_to("pipe.toml", lambda d: os.mkfifo(d / "pipe.toml")), "extends", "not a regular file"),
    Case("extends_folder", extends_to("."), "extends", "not a regular file"),
    Case("extends_empty", extends_to(""), "extends", "must be the path"),
    Case("extends_nul", extends_to("a\x00b.toml"), "extends", "must be the path"),
    Case("extends_long_name", extends_to("y" * 5000 + ".toml"), "extends", "cannot read"),
    Case("extends_binary", extends_to("bin.toml", lambda d: (d / "bin.toml").write_bytes(bytes(range(256)) * 4)), "<toml>", "not a text file"),
    Case("extends_number", mutate("[scenario]", "extends = 5\n[scenario]"), "extends", "string"),
    # facts of the wrong unit, or misused
    Case("usd_fact_as_pledged", mutate("pledged = 400", 'pledged = "fact:us.pledge_usd"'), "contingent.Benin.pledged", "in usd"),
    Case("people_fact_as_authorized", mutate("authorized = 2500", 'authorized = "fact:haiti.displaced"'), "mission.authorized", "in people"),
    Case("months_fact_as_days", mutate("drawdown_days = 30", 'drawdown_days = "fact:mandate.extension_months"'), "mandate.M.drawdown_days", "in months"),
    Case("weeks_fact_as_slip", mutate("slip_days = 10", 'slip_days = "fact:ruto.readiness_weeks"'), "assumptions.slip_days", "in weeks"),
    Case("percent_fact_as_fraction", mutate("fulfilment = 0.8", 'fulfilment = "fact:kenya.share_percent"'), "assumptions.fulfilment", "in percent"),
    Case("officers_fact_as_months", mutate("renewed_months = 12", 'renewed_months = "fact:mission.needed"'), "mandate.M.renewed_months", "in officers"),
    Case("officers_fact_as_date", mutate("start = 2024-06-25", 'start = "fact:kenya.pledged_total"'), "scenario.start", "date"),
    Case("date_fact_as_money", mutate("amount_usd = 100_000_000", 'amount_usd = "fact:mandate.unsc_approval"'), "funding.pledge.US.amount_usd", "a date"),
    Case("officers_fact_as_country", mutate('country = "Benin"', 'country = "fact:mission.needed"'), "contingent.fact:mission.needed.country", "country"),
    Case("country_fact_and_its_name", mutate('country = "Benin"', 'country = "fact:country.kenya"'), "contingent.fact:country.kenya.country", "duplicate"),
    Case("unknown_fact", mutate("pledged = 400", 'pledged = "fact:no.such"'), "contingent.Benin.pledged", "unknown fact"),
    Case("fact_in_distribution", mutate("slip_days = 10", 'slip_days = { dist = "fixed", value = "fact:kenya.pledged_total" }'), "assumptions.slip_days.value", "finite number"),
    Case("country_fact", mutate('country = "Benin"', 'country = "fact:country.benin"')),
    Case("nan_fact", own_facts(FACT.format(value="nan", unit="officers"), BASE), "<facts>", "finite"),
    Case("binary_fact_base", own_facts(bytes(range(256)), BASE), "<facts>", "not a text file"),
    Case("huge_fact", own_facts(FACT.format(value="1e300", unit="officers"), mutate("pledged = 400", 'pledged = "fact:x.value"')),
         "contingent.Benin.pledged", "<= 1,000,000"),
]


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> tuple[dict[str, Path], subprocess.CompletedProcess]:
    """Every case's file, and one ``sim validate`` of them all."""
    folder = tmp_path_factory.mktemp("hostile")
    files = {case.name: case.write(folder) for case in CASES}
    done = python(["-m", "sim", "validate", *map(str, files.values())], timeout=240)
    return files, done


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)


def test_validate_refuses_cleanly_all_at_once(validated):
    _, done = validated
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr and "internal error" not in done.stderr
    for line in done.stderr.splitlines():
        assert PROBLEM.match(line), f"not FILE:LINE: key.path: message: {line[:300]!r}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_case(case, validated):
    files, done = validated
    file = str(files[case.name])
    folder = files[case.name].parent  # a case in a folder of its own (extends, facts) may be reported in another file
    own = folder != files[CASES[0].name].parent
    said = [m for line in done.stderr.splitlines()
            if (m := PROBLEM.match(line)) and (m["file"] == file or own and Path(m["file"]).parent == folder)]
    if case.path is None:
        assert f"ok  {file}:" in done.stdout, [m.group(0)[:300] for m in said]
        return
    assert said, f"no problem reported for {file}"
    hits = [m for m in said if m["path"] == case.path and case.message in m["message"]]
    assert hits, f"expected {case.path}: ...{case.message}...; got {[m.group(0)[-300:] for m in said]}"


def test_the_problems_of_one_file_are_bounded(validated):
    """A file of 35,000 mistakes is described by at most MAX_PROBLEMS lines and a count."""
    files, done = validated
    file = str(files["35000_unknown_keys"])
    lines = [line for line in done.stderr.splitlines() if line.startswith(file + ":")]
    assert len(lines) == limits.MAX_PROBLEMS + 1
    assert "34,900 more problems" in lines[-1]


def test_long_names_are_cut_in_messages(validated):
    _, done = validated
    assert max(len(line) for line in done.stderr.splitlines()) < 2_000


# --------------------------------------------------------------------------- command lines


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder with a small valid scenario, a FIFO, a binary file and observation files."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    os.mkfifo(folder / "pipe")
    (folder / "binary").write_bytes(bytes(range(256)) * 64)
    (folder / "big").write_text("#" * 1_100_000 + "\n", encoding="utf-8")
    (folder / "facts_nan.toml").write_text(FACT.format(value="nan", unit="officers"), encoding="utf-8")
    (folder / "articles").mkdir()
    os.mkfifo(folder / "articles" / "a.txt")
    (folder / "facts_ok.toml").write_text(FACT.format(value=5, unit="officers"), encoding="utf-8")
    header = "date,series,value,source\n"
    observed = {
        "rows_10001.csv": header + "2024-08-27,Kenya,400,a.txt\n" * 10_001,
        "field_200k.csv": header + '2024-08-27,Kenya,400,"' + "s" * 200_000 + '"\n',
        "nul.csv": header + "2024-08-27,Kenya,4\x0000,a.txt\n",
        "nan.csv": header + "2024-08-27,Kenya,nan,a.txt\n",
        "inf.csv": header + "2024-08-27,Kenya,inf,a.txt\n",
        "1e400.csv": header + "2024-08-27,Kenya,1e400,a.txt\n",
        "digits_5000.csv": header + "2024-08-27,Kenya," + "9" * 5000 + ",a.txt\n",
        "long_series.csv": header + "2024-08-27," + "k" * 100_000 + ",4,a.txt\n",
        "garbage_header.csv": "\x01\x02,\x03\n1,2,3\n",
        "outside_run.csv": header + "1999-01-01,Kenya,400,a.txt\n",
    }
    for name, text in observed.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "utf16.csv").write_bytes((header + "2024-08-27,Kenya,400,a.txt\n").encode("utf-16"))
    many = folder / "many.toml"
    many.write_text(BASE, encoding="utf-8")
    return folder


def refusals(folder: Path) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """Command lines that must be refused: case -> (argv, needles of the message)."""
    base, out = str(folder / "base.toml"), str(folder / "out")
    run = ["run", base, "-q", "--workers", "1", "-o", out]
    deep = "[" * 3000 + "]" * 3000
    cases = {
        "set_nan": (run + ["--set", "assumptions.fulfilment=nan"], ("--set assumptions.fulfilment", "finite")),
        "set_inf": (run + ["--set", "assumptions.slip_days=inf"], ("--set assumptions.slip_days", "finite")),
        "set_minus_inf_in_table": (run + ["--set", 'assumptions.slip_days={dist="normal", mean=-inf, sd=1}'], ("assumptions.slip_days.mean", "finite")),
        "set_1e15_pledged": (run + ["--set", "contingent.Benin.pledged=1e15"], ("contingent.Benin.pledged", "<= 1,000,000")),
        "set_replications": (run + ["--set", "scenario.replications=1000000000000"], ("scenario.replications", "<= 100,000")),
        "set_deep_value": (run + ["--set", f"assumptions.fulfilment={deep}"], ("assumptions.fulfilment", "got a string")),
        "set_huge_integer": (run + ["--set", "contingent.Benin.pledged=" + "9" * 5000], ("contingent.Benin.pledged", "got a string")),
        "set_unknown_key": (run + ["--set", "assumptions.fulfilmnet=0.5"], ("did you mean 'fulfilment'",)),
        "set_no_key": (run + ["--set", "=5"], ("KEY=VALUE",)),
        "set_total": (run + ["--set", "contingent.Benin.country=Total"], ("contingent.Total.country", "series")),
        "n_10e12": (run + ["-n", str(10**12)], ("replications", "100,000")),
        "n_zero": (run + ["-n", "0"], ("replications",)),
        "seed_10e30": (run + ["--seed", str(10**30)], ("seed",)),
        "n_not_a_number": (run + ["-n", "1e3"], ("invalid int value",)),
        "keep_too_many": (run + ["-n", "100000", "--keep-replications", "--set", "scenario.end=2044-06-23"],
                          ("keeping every replication", "268,435,456")),
        "set_unknown_item": (run + ["--set", "contingent." + "z" * 100_000 + ".tour_days=5"], ("no item",)),
        "sweep_nan": (["sweep", base, "-q", "-o", out, "--set", "assumptions.fulfilment=0.5,nan"], ("finite",)),
        "sweep_range_too_fine": (["sweep", base, "-q", "-o", out, "--set", "assumptions.fulfilment=0:1:0.00001"], ("at most 10,000",)),
        "sweep_grid_too_large": (["sweep", base, "-q", "-o", out, "--set", "assumptions.fulfilment=0:1:0.005",
                                  "--set", "assumptions.slip_days=0:199:1"], ("points", "at most 10,000")),
        "sweep_inf_range": (["sweep", base, "-q", "-o", out, "--set", "assumptions.fulfilment=0:inf:1"], ("assumptions.fulfilment",)),
        "sweep_deep": (["sweep", base, "-q", "-o", out, "--set", f"assumptions.fulfilment={deep}"], ("assumptions.fulfilment",)),
        "compare_21": (["compare", *[base] * 21, "-q", "-o", out], ("at most 20",)),
        "validate_nothing": (["validate"], ("validate needs",)),
        "validate_dev_zero": (["validate", "/dev/zero"], ("/dev/zero: <file>: not a regular file",)),
        "validate_pipe": (["validate", str(folder / "pipe")], ("not a regular file",)),
        "validate_binary": (["validate", str(folder / "binary")], ("not a text file",)),
        "facts_dev_zero": (["facts", "--facts", "/dev/zero"], ("/dev/zero", "not a regular file")),
        "facts_pipe": (["facts", "--facts", str(folder / "pipe")], (str(folder / "pipe"), "not a regular file")),
        "facts_binary": (["facts", "--facts", str(folder / "binary")], (str(folder / "binary"), "not a text file")),
        "facts_big": (["facts", "--facts", str(folder / "big")], (str(folder / "big"), "larger than")),
        "facts_missing": (["facts", "--facts", str(folder / "missing.toml")], ("not found",)),
        "facts_folder": (["facts", "--facts", str(folder)], ("is a folder",)),
        "facts_nan": (["facts", "--facts", str(folder / "facts_nan.toml")], ("finite",)),
    }
    backtest = ["backtest", base, "-q", "--workers", "1", "-o", out, "--observed"]
    for name, needles in {
        "rows_10001.csv": (":10002: ", "at most 10,000"),
        "field_200k.csv": (":2: ", "not CSV"),
        "nul.csv": ("NUL",),
        "nan.csv": (":2: value",),
        "inf.csv": (":2: value",),
        "1e400.csv": (":2: value",),
        "digits_5000.csv": (":2: value",),
        "long_series.csv": (":2: series", "at most 100"),
        "garbage_header.csv": (":1: unknown column",),
        "outside_run.csv": (":2: date", "outside the run"),
        "utf16.csv": ("not a text file",),
        "binary": ("not a text file",),
        "big": ("larger than",),
        "pipe": ("not a regular file",),
    }.items():
        cases[f"observed_{name}"] = (backtest + [str(folder / name)], (str(folder / name),) + needles)
    cases["observed_dev_zero"] = (backtest + ["/dev/zero"], ("/dev/zero: not a regular file",))
    return cases


def test_command_lines_are_refused_cleanly(workspace):
    cases = refusals(workspace)
    results = run_cases({name: argv for name, (argv, _) in cases.items()}, timeout=300, cwd=workspace)
    for name, (_, needles) in cases.items():
        try:
            clean_refusal(results[name], *needles)
        except AssertionError as error:
            raise AssertionError(f"case {name}: {error}") from None
    assert not (workspace / "out").exists()


def test_quotes_checked_against_a_pipe_do_not_hang(workspace):
    """``sim facts --check`` reads articles as bounded regular files: a FIFO is a source not found (exit 1)."""
    results = run_cases({"check": ["facts", "--facts", str(workspace / "facts_ok.toml"), "--check",
                                   str(workspace / "articles")]}, timeout=120, cwd=workspace)
    assert results["check"]["code"] == 1
    assert "not found or unreadable" in results["check"]["err"] and "Traceback" not in results["check"]["err"]


# --------------------------------------------------------------------------- valid but odd: runs sensibly


ODD = {
    "byte_order_mark": ("\ufeff" + BASE, "Hostile base"),
    "dollars_and_controls": (mutate('country = "Benin"', 'country = "$\\\\frac{$ B\\u0007\\u202e"',
                                    'name = "M"', 'name = "$x^$"'), "frac"),
    "distinct_unicode_names": (mutate('country = "Kenya"', f'country = "{NFC}"', 'country = "Benin"',
                                      'country = "Cote dIvoire"'), "Cote dIvoire"),
    "country_fact": (mutate('country = "Benin"', 'country = "fact:country.benin"'), "Benin"),
    "lognormal_sigma_200": (mutate("slip_days = 10", 'slip_days = { dist = "lognormal", median = 60, sigma = 200 }'), None),
    "normal_1e300": (mutate("tour_days = 180", 'tour_days = { dist = "normal", mean = 1e300, sd = 1e300 }'), None),
    "attrition_normal_huge": (mutate("attrition_per_year = 0.03", 'attrition_per_year = { dist = "normal", mean = 0, sd = 1e300 }'), None),
    "attrition_at_the_limit": (mutate("attrition_per_year = 0.03", "attrition_per_year = 100"), None),
    "one_day_tours_no_gap": (mutate("tour_days = 180", "tour_days = 1", "gap_days = 14", "gap_days = 0",
                                    "probability = 0.9", "probability = 1"), None),
    "drawdown_at_the_limit": (mutate("drawdown_days = 30", "drawdown_days = 7305", "renewal_probability = 0.9",
                                     "renewal_probability = 0"), None),
    "zero_everything": (mutate("authorized = 2500", "authorized = 0", "amount_usd = 100_000_000", "amount_usd = 0",
                               "start_balance_usd = 20_000_000", "start_balance_usd = 0"), None),
}


def test_odd_but_valid_scenarios_run_sensibly(tmp_path):
    """Each runs (exit 0) and writes finite numbers only: no NaN or infinity in summary.json or the CSV files."""
    cases = {}
    for name, (text, _) in ODD.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        cases[name] = ["run", str(path), "-n", "64", "--workers", "1", "-q", "-o", str(tmp_path / name)]
    results = run_cases(cases, timeout=300, cwd=tmp_path)
    for name, (_, shown) in ODD.items():
        result = results[name]
        assert result["code"] == 0, f"{name}: {result['err'][-1500:]}"
        assert "Traceback" not in result["err"], f"{name}: {result['err'][-1500:]}"
        summary = (tmp_path / name / "summary.json").read_text(encoding="utf-8")
        assert not re.search(r"\bNaN\b|Infinity", summary), name
        json.loads(summary)
        for csv in (tmp_path / name).glob("*.csv"):
            assert not re.search(r"(^|,)-?(nan|inf)(,|$)", csv.read_text(encoding="utf-8"), re.M), f"{name}: {csv.name}"
        if shown:
            assert shown in (tmp_path / name / "strength.csv").read_text(encoding="utf-8") + summary, name


# --------------------------------------------------------------------------- at the documented limits


def limit_cases() -> dict[str, tuple[str, list[str]]]:
    """Scenarios at one documented limit each, otherwise ordinary: (file text, extra options)."""
    head = mutate("renewal_probability = 0.9", "renewal_probability = 1")
    rows_days = limits.MAX_SERIES_DAYS // 200  # 199 contingents and the total
    return {
        "histogram_cells": (mutate("end = 2025-06-30", "end = 2026-06-30", "pledged = 400", "pledged = 90_000",
                                   "authorized = 2500", "authorized = 90_000", base=head), ["-n", "256"]),
        "twenty_years": (mutate("end = 2025-06-30", "end = 2044-06-23", "start = 2024-06-25", "start = 2024-06-25", base=head),
                         ["-n", "256"]),
        "daily_rows": (mutate("end = 2025-06-30", f"end = {dt.date(2024, 6, 24) + dt.timedelta(days=rows_days)}", base=head)
                       + contingents(197), ["-n", "128"]),
        "batches_and_tranches": (mutate("pledged = 400", "pledged = 10_000", "batches = 2,", "batches = 998,",
                                        "tranches = 4", "tranches = 1000", "interval_days = 90", "interval_days = 0",
                                        base=head), ["-n", "128"]),
        "largest_seed": (head, ["-n", "64", "--seed", str(limits.MAX_SEED)]),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(limit_cases()))
def test_runs_at_the_limits_finish_within_bounds(name, tmp_path):
    """What the validator accepts at its limits runs, each within 6 GB (and, on a free machine, 60 s)."""
    text, options = limit_cases()[name]
    path = tmp_path / "limit.toml"
    path.write_text(text, encoding="utf-8")
    done = python(["-m", "sim", "validate", str(path)], timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    started = time.monotonic()
    done = python(["-m", "sim", "run", str(path), "-q", "-o", str(tmp_path / "out"), *options],
                  timeout=300, memory=LIMIT_MEMORY)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    print(f"{name}: {seconds:.1f} s")


@pytest.mark.slow
def test_a_backtest_of_the_most_observations(tmp_path):
    rows = ["date,series,value,source"] + [f"2024-{7 + k % 5:02d}-{1 + k % 28:02d},{('total', 'Kenya', 'Benin')[k % 3]},"
                                           f"{k % 3000},src{k % 500}.txt" for k in range(limits.MAX_OBSERVATIONS)]
    observed = tmp_path / "observed.csv"
    observed.write_text("\n".join(rows) + "\n", encoding="utf-8")
    scenario = tmp_path / "base.toml"
    scenario.write_text(BASE, encoding="utf-8")
    done = python(["-m", "sim", "backtest", str(scenario), "--observed", str(observed), "-n", "128", "--workers", "1",
                   "-q", "-o", str(tmp_path / "bt")], timeout=300, memory=LIMIT_MEMORY)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "bt" / "backtest.json").read_text(encoding="utf-8"))
    assert report["observations"] == limits.MAX_OBSERVATIONS


# --------------------------------------------------------------------------- the limits are documented


def test_every_limit_is_in_the_readme_and_the_design():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Limits"):]
    section = section[: section.index("\n## ", 1)]
    for name in limits.__all__:
        value = getattr(limits, name)
        if name in ("FIRST_DATE", "LAST_DATE"):
            shown = [value.isoformat()]
        elif name == "RESERVED_COUNTRIES":
            shown = [f"`{value[0]}`"]
        else:
            shown = [f"{value:,}", f"{value / 1e9:g} billion"] + ([f"2^{value.bit_length() - 1}"] if value & (value - 1) == 0 else [])
        assert any(s in section for s in shown), f"README's Limits section lacks {name} ({shown[0]})"
        assert any(s in design for s in shown), f"docs/design.md lacks {name} ({shown[0]})"
