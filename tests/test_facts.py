"""The fact base: seeds/facts.toml, seeds/sources.toml, seeds/observed.csv, sim.facts and ``sim facts``."""

from __future__ import annotations

import datetime
import pathlib
import re
import shutil

import pytest

from sim import facts as F
from sim.analysis.observations import read_observations
from sim.cli import main

from conftest import ARTICLES, FACTS_TOML, OBSERVED, ROOT, SOURCES_TOML
from helpers import run_sim

# Ids other modules (scenario files) rely on, with the value and unit they must have.
REQUIRED: dict[str, tuple[object, str]] = {
    "kenya.first_contingent": (400, "officers"),
    "kenya.first_contingent_farewell": (400, "officers"),
    "kenya.on_ground_aug2024": (400, "officers"),
    "kenya.additional_pledged": (600, "officers"),
    "kenya.additional_pledged_000": (600, "officers"),
    "kenya.pledged_total": (1000, "officers"),
    "kenya.pledged_total_000": (1000, "officers"),
    "kenya.pledged_total_002": (1000, "officers"),
    "kenya.pledged_total_003": (1000, "officers"),
    "kenya.share_percent": (40, "percent"),
    "mission.planned_total": (2500, "officers"),
    "others.planned": (1500, "officers"),
    "others.additional_pledged": (1900, "officers"),
    "mission.deployed_fraction_max": (25, "percent"),
    "mission.needed": (5000, "officers"),
    "us.pledge_usd": (300_000_000, "usd"),
    "mandate.extension_months": (12, "months"),
    "mandate.initial_months": (12, "months"),
    "mandate.unsc_approval": (datetime.date(2023, 10, 1), "date"),
    "mandate.renewal_meeting": (datetime.date(2024, 8, 31), "date"),
    "mission.start_claimed": (datetime.date(2023, 6, 1), "date"),
    "haiti.displaced": (700_000, "people"),
    "ruto.readiness_weeks": (3, "weeks"),
}
COUNTRIES = ["Bahamas", "Bangladesh", "Barbados", "Belize", "Benin", "Chad", "Jamaica"]

# Facts whose figure is an interpretation of words, not written in the quote: the
# quote must hold the phrase, and the note must say the value is interpreted/relative.
INTERPRETED = {
    "ruto.readiness_weeks": "a few weeks",
    "mandate.renewal_meeting": "end of the month",
}

NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
MONTHS = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


@pytest.fixture(scope="module")
def base() -> F.FactBase:
    return F.load_facts(FACTS_TOML)


def renderings(fact: F.Fact) -> list[str]:
    """Ways an article may write the figure of ``fact`` (any one must be in the quote)."""
    v = fact.value
    if fact.unit == "country":
        return [str(v)]
    if isinstance(v, datetime.date):
        out = [f"{MONTHS[v.month - 1]} {v.year}"]
        if (v.month, v.day) == (1, 1) and "year only" in fact.note.lower():
            out.append(str(v.year))
        return out
    assert isinstance(v, (int, float)) and not isinstance(v, bool)
    out = []
    if float(v).is_integer():
        n = int(v)
        out += [str(n), f"{n:,}"]
        if n < len(NUMBER_WORDS):
            out.append(NUMBER_WORDS[n])
        if n and n % 1_000_000 == 0:
            out.append(f"{n // 1_000_000:,} million")
        if fact.unit == "percent" and n in (25, 50, 75):
            out.append({25: "quarter", 50: "half", 75: "three quarters"}[n])
        if fact.unit == "months" and n and n % 12 == 0:
            out += ["a year", "another year"] if n == 12 else [f"{n // 12} years"]
    else:
        out += [str(v), f"{v:,}"]
    return out


# ---------------------------------------------------------------- the real fact base


def test_base_loads(base: F.FactBase) -> None:
    assert len(base.facts) >= len(REQUIRED) + len(COUNTRIES)
    assert base.path == FACTS_TOML
    for fact in base.facts:
        assert type(fact.as_of) is datetime.date, fact.id
        assert fact.unit in F.UNITS, fact.id
        assert fact.quote.strip() and fact.source.endswith(".txt"), fact.id


def test_default_path_is_the_repository_base() -> None:
    assert F.default_facts_path() == FACTS_TOML
    assert F.load_facts().ids() == F.load_facts(FACTS_TOML).ids()


def test_ids_unique(base: F.FactBase) -> None:
    ids = base.ids()
    assert len(ids) == len(set(ids))
    assert all(i == i.strip() and " " not in i for i in ids)


@pytest.mark.parametrize("fact_id", sorted(REQUIRED))
def test_required_ids_exist_with_values(base: F.FactBase, fact_id: str) -> None:
    assert fact_id in base
    value, unit = REQUIRED[fact_id]
    fact = base.get(fact_id)
    assert (fact.value, fact.unit) == (value, unit)


@pytest.mark.parametrize("country", COUNTRIES)
def test_contributing_countries(base: F.FactBase, country: str) -> None:
    fact = base.get(f"country.{country.lower()}")
    assert fact.unit == "country" and fact.value == country
    assert country in fact.quote


def test_every_quote_is_in_its_article(base: F.FactBase) -> None:
    assert F.check_quotes(base, ARTICLES) == []


def test_sources_are_known_articles(base: F.FactBase) -> None:
    names = {p.name for p in ARTICLES.glob("*.txt")}
    assert {f.source for f in base.facts} <= names


def test_quotes_are_short(base: F.FactBase) -> None:
    long = [f.id for f in base.facts if len(f.quote.split()) > 12]
    assert long == []


def test_every_quote_contains_its_figure(base: F.FactBase) -> None:
    missing = []
    for fact in base.facts:
        if fact.id in INTERPRETED:
            continue
        forms = renderings(fact)
        if not any(form in fact.quote for form in forms):
            missing.append(f"{fact.id}: none of {forms} in {fact.quote!r}")
    assert missing == []


@pytest.mark.parametrize("fact_id", sorted(INTERPRETED))
def test_interpreted_figures_are_explained(base: F.FactBase, fact_id: str) -> None:
    fact = base.get(fact_id)
    assert INTERPRETED[fact_id] in fact.quote
    # Not hidden from the figure check: the value really is absent from the words.
    assert not any(form in fact.quote for form in renderings(fact))
    assert any(word in fact.note.lower() for word in ("interpreted", "relative date"))


def test_renderings_check_is_not_vacuous() -> None:
    fact = F.Fact("x", 1000, "officers", datetime.date(2024, 1, 1), "a.txt", "bring it to 1,001")
    assert not any(form in fact.quote for form in renderings(fact))
    twelve = F.Fact("y", 12, "months", datetime.date(2024, 1, 1), "a.txt", "for an additional twelve months")
    assert any(form in twelve.quote for form in renderings(twelve))
    usd = F.Fact("z", 300_000_000, "usd", datetime.date(2024, 1, 1), "a.txt", "pledged $300 million")
    assert any(form in usd.quote for form in renderings(usd))


def test_undated_and_inferred_facts_say_so(base: F.FactBase) -> None:
    # Only article 001 carries a dateline; every other fact's as_of is an inference.
    unexplained = [
        f.id
        for f in base.facts
        if not f.source.startswith("001_") and f.unit != "country" and not f.note.strip()
    ]
    assert unexplained == []


def test_conflicts_recorded(base: F.FactBase) -> None:
    ids = base.ids()
    for conflict in base.conflicts:
        assert set(conflict.facts) <= set(ids) and conflict.note.strip()
    sets = [set(c.facts) for c in base.conflicts]

    def recorded(*fact_ids: str) -> bool:
        return any(set(fact_ids) <= s for s in sets)

    assert recorded("mission.start_claimed", "kenya.first_contingent")
    assert recorded("mission.planned_total", "others.planned", "others.additional_pledged")
    assert recorded("kenya.share_percent", "mission.deployed_fraction_max", "mission.planned_total")
    assert recorded("kenya.share_percent", "kenya.on_ground_aug2024")
    assert recorded("kenya.on_ground_aug2024", "kenya.first_contingent")


def test_table(base: F.FactBase) -> None:
    text = base.table()
    lines = text.splitlines()
    assert len(lines) == len(base.facts) + 2
    assert lines[0].split()[:6] == ["id", "value", "unit", "as_of", "source", "quote"]
    assert "300,000,000" in text and "2023-10-01" in text and "Bangladesh" in text
    assert max(len(line) for line in lines) <= 125


# ---------------------------------------------------------------- observed.csv


def test_observed_csv_is_backed_by_facts(base: F.FactBase) -> None:
    header = next(line for line in OBSERVED.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    assert header == "date,series,value,source,kind,relative_error"
    rows = read_observations(OBSERVED)
    assert rows
    strengths = [f for f in base.facts if f.unit == "officers"]
    shares = [f for f in base.facts if f.unit == "percent"]
    for row in rows:
        assert row.country == "total" or f"country.{row.country.lower()}" in base, row
        # Each observation is a strength some fact states, same article, same date ...
        stated = [f for f in strengths if f.source == row.source and f.as_of == row.date and f.value == row.value]
        # ... or a bound that is a share (same article, same date) of a strength some fact states
        # ("less than a quarter of its planned contingent", of "about 2,500 officers")
        derived = [s for s in shares for f in strengths if s.source == row.source and s.as_of == row.date
                   and s.value * f.value / 100 == row.value]
        assert stated or (row.kind in ("at_least", "at_most") and derived), row
        # and its kind is the article's own word
        quotes = " ".join(f.quote for f in stated + derived).lower()
        words = {"exact": None, "approx": ("nearly", "about", "some", "around"), "at_most": ("less than", "fewer than",
                 "under", "at most"), "at_least": ("more than", "over", "at least")}[row.kind]
        assert words is None or any(w in quotes for w in words), (row, quotes)
    keys = [(r.date, r.series) for r in rows]
    assert len(keys) == len(set(keys))
    assert keys == sorted(keys)


# ---------------------------------------------------------------- behaviour of sim.facts

ARTICLE = "Kenya pledged 1,000 officers. The US has pledged $300 million.\n"
GOOD_TOML = """\
[[fact]]
id = "kenya.pledged_total"
value = 1000
unit = "officers"
as_of = 2024-08-27
source = "a.txt"
quote = "pledged 1,000 officers"

[[fact]]
id = "us.pledge_usd"
value = 300000000
unit = "usd"
as_of = 2024-06-24
source = "a.txt"
quote = "has pledged $300 million"
note = "n"

[[conflict]]
facts = ["kenya.pledged_total", "us.pledge_usd"]
note = "not really"
"""


def _write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "facts.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def articles(tmp_path: pathlib.Path) -> pathlib.Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_small_base_loads(tmp_path: pathlib.Path, articles: pathlib.Path) -> None:
    base = F.load_facts(_write(tmp_path, GOOD_TOML))
    assert base.ids() == ["kenya.pledged_total", "us.pledge_usd"]
    assert base.get("us.pledge_usd").value == 300_000_000
    assert base.get("kenya.pledged_total").note == ""
    assert base.conflicts == (F.Conflict(("kenya.pledged_total", "us.pledge_usd"), "not really"),)
    assert F.check_quotes(base, articles) == []


def test_check_quotes_names_the_broken_fact(tmp_path: pathlib.Path, articles: pathlib.Path) -> None:
    broken = GOOD_TOML.replace('quote = "has pledged $300 million"', 'quote = "has pledged $400 million"')
    problems = F.check_quotes(F.load_facts(_write(tmp_path, broken)), articles)
    assert len(problems) == 1
    assert problems[0].startswith("fact 'us.pledge_usd':")


def test_check_quotes_reports_missing_source(tmp_path: pathlib.Path, articles: pathlib.Path) -> None:
    broken = GOOD_TOML.replace('source = "a.txt"\nquote = "pledged', 'source = "gone.txt"\nquote = "pledged')
    problems = F.check_quotes(F.load_facts(_write(tmp_path, broken)), articles)
    assert len(problems) == 1
    assert "kenya.pledged_total" in problems[0] and "gone.txt" in problems[0]


def test_check_quotes_hints_at_typographic_apostrophes(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("renew Kenya’s mandate for another year", encoding="utf-8")
    toml = GOOD_TOML.replace('"pledged 1,000 officers"', '"renew Kenya\'s mandate"').replace(
        'quote = "has pledged $300 million"', 'quote = "another year"'
    )
    problems = F.check_quotes(F.load_facts(_write(tmp_path, toml)), folder)
    assert len(problems) == 1 and "kenya.pledged_total" in problems[0] and "normalised" in problems[0]


def test_broken_copy_of_real_base(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "facts.toml"
    shutil.copy(FACTS_TOML, copy)
    text = copy.read_text(encoding="utf-8")
    good = 'quote = "at least 5,000 officers deemed necessary"'
    assert text.count(good) == 1
    copy.write_text(text.replace(good, 'quote = "at least 6,000 officers deemed necessary"'), encoding="utf-8")
    problems = F.check_quotes(F.load_facts(copy), ARTICLES)
    assert len(problems) == 1
    assert problems[0].startswith("fact 'mission.needed':")


def test_get_suggests_nearest_id(tmp_path: pathlib.Path, base: F.FactBase) -> None:
    with pytest.raises(KeyError) as info:
        base.get("kenya.pledged_totl")
    assert "'kenya.pledged_total'" in str(info.value)
    small = F.load_facts(_write(tmp_path, GOOD_TOML))
    with pytest.raises(KeyError) as info:
        small.get("us.pledge_us")
    assert "did you mean 'us.pledge_usd'" in str(info.value)
    with pytest.raises(KeyError) as info:
        small.get("zzz")
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('id = "us.pledge_usd"', 'id = "kenya.pledged_total"'), "duplicate id"),
        (lambda t: t.replace('unit = "usd"', 'unit = "dollars"'), "unit 'dollars'"),
        (lambda t: t.replace('value = 300000000', 'value = "lots"'), "must be a number"),
        (lambda t: t.replace('value = 300000000', 'value = -1'), "non-negative"),
        (lambda t: t.replace("as_of = 2024-06-24", 'as_of = "2024-06-24"'), "as_of"),
        (lambda t: t.replace("as_of = 2024-06-24", "as_of = 2024-06-24T10:00:00"), "as_of"),
        (lambda t: t.replace('note = "n"', 'note = "n"\nnotes = "x"'), "did you mean 'note'"),
        (lambda t: t.replace('quote = "has pledged $300 million"\n', ""), "missing key 'quote'"),
        (lambda t: t.replace('source = "a.txt"\nquote = "has', 'source = "../a.txt"\nquote = "has'), "source"),
        (lambda t: t.replace('"us.pledge_usd"]', '"us.pledge"]'), "'us.pledge' does not exist"),
    ],
)
def test_load_rejects_bad_base(tmp_path: pathlib.Path, edit, expected: str) -> None:
    path = _write(tmp_path, edit(GOOD_TOML))
    with pytest.raises(F.FactError) as info:
        F.load_facts(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message


def test_load_names_fact_id_in_errors(tmp_path: pathlib.Path) -> None:
    path = _write(tmp_path, GOOD_TOML.replace('unit = "usd"', 'unit = "dollars"'))
    with pytest.raises(F.FactError, match="us.pledge_usd"):
        F.load_facts(path)


def test_date_unit_needs_date_and_percent_range(tmp_path: pathlib.Path) -> None:
    date_bad = GOOD_TOML.replace('unit = "officers"', 'unit = "date"')
    with pytest.raises(F.FactError, match="kenya.pledged_total"):
        F.load_facts(_write(tmp_path, date_bad))
    pct_bad = GOOD_TOML.replace('unit = "officers"', 'unit = "percent"')
    with pytest.raises(F.FactError, match=r"\[0, 100\]"):
        F.load_facts(_write(tmp_path, pct_bad))


def test_load_missing_or_invalid_file(tmp_path: pathlib.Path) -> None:
    with pytest.raises(F.FactError, match="not found"):
        F.load_facts(tmp_path / "nope.toml")
    with pytest.raises(F.FactError, match="invalid TOML"):
        F.load_facts(_write(tmp_path, "[[fact]]\nid = \n"))


def test_find_facts_path_walks_up(tmp_path: pathlib.Path) -> None:
    (tmp_path / "seeds").mkdir()
    target = tmp_path / "seeds" / "facts.toml"
    target.write_text(GOOD_TOML, encoding="utf-8")
    deep = tmp_path / "scenarios" / "variants"
    deep.mkdir(parents=True)
    assert F.find_facts_path(deep) == target
    assert F.find_facts_path(tmp_path) == target


def test_find_facts_path_falls_back(tmp_path: pathlib.Path) -> None:
    # tmp_path has no seeds/facts.toml (nor, normally, do its parents).
    if any((p / "seeds" / "facts.toml").is_file() for p in (tmp_path, *tmp_path.parents)):
        pytest.skip("a seeds/facts.toml exists above the temporary directory")
    assert F.find_facts_path(tmp_path) == F.default_facts_path()


def test_default_articles_dir(tmp_path: pathlib.Path) -> None:
    """The articles folder beside the fact base: the repository's seeds/articles/, or None where there is none."""
    assert F.default_articles_dir() == ARTICLES == ROOT / "seeds" / "articles"
    assert F.default_articles_dir(F.load_facts(FACTS_TOML)) == ARTICLES
    lonely = F.load_facts(_write(tmp_path, GOOD_TOML))
    assert F.default_articles_dir(lonely) is None
    (tmp_path / "articles").mkdir()
    assert F.default_articles_dir(lonely) == tmp_path / "articles"


def test_fact_base_rejects_duplicates_directly() -> None:
    fact = F.Fact("a", 1, "officers", datetime.date(2024, 1, 1), "a.txt", "1")
    with pytest.raises(F.FactError, match="duplicate"):
        F.FactBase(pathlib.Path("x.toml"), (fact, fact), ())


# ---------------------------------------------------------------- sources.toml


def test_every_article_and_every_source_is_named(base: F.FactBase) -> None:
    """seeds/sources.toml names each article of seeds/articles/ once, under a short unique name."""
    assert set(base.sources) == {p.name for p in ARTICLES.glob("*.txt")}
    names = [source.name for source in base.sources.values()]
    assert len(set(names)) == len(names) and all(0 < len(name) <= 40 for name in names)
    assert base.source_name("001_7e9b22f87c9658b0.txt") == base.sources["001_7e9b22f87c9658b0.txt"].name
    assert base.source_name("not_named.txt") == "not_named.txt"


def test_a_fact_whose_source_is_not_named_is_refused(tmp_path: pathlib.Path) -> None:
    (tmp_path / "sources.toml").write_text('[[source]]\nfile = "b.txt"\nname = "B"\n', encoding="utf-8")
    with pytest.raises(F.FactError, match=r"source 'a.txt' is not named in .*sources.toml"):
        F.load_facts(_write(tmp_path, GOOD_TOML))


# ---------------------------------------------------------------- sim facts


def copy_fact_base(folder: pathlib.Path, old: str | None = None, new: str | None = None) -> pathlib.Path:
    """A copy of seeds/ in ``folder``: facts.toml (with ``old`` replaced by ``new`` once), sources.toml, articles/."""
    text = FACTS_TOML.read_text(encoding="utf-8")
    if old is not None:
        assert text.count(old) == 1, f"{old!r} is not once in {FACTS_TOML}"
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "facts.toml").write_text(text, encoding="utf-8")
    shutil.copy(SOURCES_TOML, folder / "sources.toml")
    shutil.copytree(ARTICLES, folder / "articles")
    return folder / "facts.toml"


#: The quote of kenya.pledged_total, and the same altered.
KENYA_QUOTE = "total number of Kenyan officers in Haiti to 1,000"
KENYA_ALTERED = "total number of Kenyan officers in Haiti to 9,999"


def test_facts_prints_a_table(capsys):
    assert main(["facts"]) == 0
    out, err = capsys.readouterr()
    assert "kenya.pledged_total" in out
    assert "mission.planned_total" in out
    header = out.splitlines()[0]
    assert "id" in header and "value" in header and "source" in header
    assert err == ""


def test_facts_with_an_explicit_file(tmp_path, capsys):
    copy = tmp_path / "facts.toml"
    copy.write_text(FACTS_TOML.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["facts", "--facts", str(copy)]) == 0
    assert "kenya.pledged_total" in capsys.readouterr().out


def test_facts_with_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["facts", "--facts", str(tmp_path / "none.toml")]) == 2
    out, err = capsys.readouterr()
    assert "none.toml" in err and "Traceback" not in err
    assert err.startswith("sim facts: error: ")


def test_facts_check_without_a_folder_verifies_every_quote_against_seeds_articles(capsys):
    assert main(["facts", "--check"]) == 0
    out, err = capsys.readouterr()
    count = len(F.load_facts(FACTS_TOML).facts)
    assert out == f"all {count} facts verified against {ARTICLES}\n"
    assert err == ""


def test_facts_check_of_a_copy_uses_the_articles_beside_it(tmp_path, capsys):
    copy = copy_fact_base(tmp_path / "seeds")
    assert main(["facts", "--facts", str(copy), "--check"]) == 0
    assert f"verified against {tmp_path / 'seeds' / 'articles'}" in capsys.readouterr().out


def test_facts_check_names_a_tampered_fact(tmp_path, capsys):
    text = FACTS_TOML.read_text(encoding="utf-8")
    pattern = re.compile(r'(id = "kenya\.pledged_total"\n(?:(?!\[\[).*\n)*?quote = ")[^"\n]*(")')
    tampered, count = pattern.subn(r"\1a sentence no article ever contained\2", text)
    assert count == 1, "could not find the quote of kenya.pledged_total in seeds/facts.toml"
    copy = copy_fact_base(tmp_path / "seeds")
    copy.write_text(tampered, encoding="utf-8")
    F.load_facts(copy)  # still a valid fact base: only the quote is wrong

    assert main(["facts", "--facts", str(copy), "--check"]) == 1
    out, err = capsys.readouterr()
    assert "kenya.pledged_total" in err
    named = set(re.findall(r"fact '([^']+)'", err))
    assert named == {"kenya.pledged_total"}, err
    assert "Traceback" not in err


def test_facts_check_tampered_from_the_console(tmp_path):
    copy = copy_fact_base(tmp_path / "seeds", KENYA_QUOTE, KENYA_ALTERED)
    proc = run_sim("facts", "--facts", str(copy), "--check", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "kenya.pledged_total" in proc.stderr and "Traceback" not in proc.stderr
    assert f"1 of {len(F.load_facts(FACTS_TOML).facts)} facts not found in {tmp_path / 'seeds' / 'articles'}" in proc.stderr


def test_facts_check_with_a_missing_folder_exits_2(tmp_path, capsys):
    assert main(["facts", "--check", str(tmp_path / "no_articles")]) == 2
    err = capsys.readouterr().err
    assert "no_articles" in err and "Traceback" not in err


def test_facts_check_of_a_copy_without_articles_exits_2(tmp_path, capsys):
    copy = tmp_path / "facts.toml"
    shutil.copy(FACTS_TOML, copy)
    assert main(["facts", "--facts", str(copy), "--check"]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("sim facts: error: no articles folder") and "sim facts --check DIR" in line
