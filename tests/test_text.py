"""sim.text: numbers and words as people read them. Known answers, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.text import (
    clip,
    csv_text,
    did_you_mean,
    json_text,
    money_text,
    number_text,
    parse_value,
    percent_text,
    point_text,
    rows_csv,
    shorten,
    table,
    tidy,
    value_text,
)

# --------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize("word, options, n, expected", [
    ("fulfilmnet", ["fulfilment", "slip_days", "tour_days"], 1, " (did you mean 'fulfilment'?)"),
    ("Kenia", ["Kenya", "Benin", "Chad"], 1, " (did you mean 'Kenya'?)"),
    ("zzz", ["fulfilment", "slip_days"], 1, ""),                               # nothing close
    ("fulfilment", [], 1, ""),                                                 # nothing to choose from
    ("tour", ["tour_days_of_service", "x"], 1, " (did you mean 'tour_days_of_service'?)"),  # a prefix
    ("to", ["tour_days_of_service", "x"], 1, ""),                              # too short to be a prefix
    ("pledge", ["pledged", "pledges"], 3, " (did you mean 'pledges' or 'pledged'?)"),
    ("pledge", ["pledged", "pledges", "pledger", "other"], 3, " (did you mean 'pledges', 'pledger' or 'pledged'?)"),
    (3, [1, 2, 3, 4], 1, " (did you mean '3'?)"),                              # any values, as text
])
def test_did_you_mean(word, options, n, expected):
    assert did_you_mean(word, options, n=n) == expected


def test_did_you_mean_gives_one_name_by_default():
    assert did_you_mean("pledge", ["pledged", "pledges", "pledger"]) == " (did you mean 'pledges'?)"


# --------------------------------------------------------------------------- money and percentages


@pytest.mark.parametrize("usd, small, expected", [
    (14_900_000, False, "$14.9M"),
    (-65_300_000, False, "-$65.3M"),     # sign first, never $-65.3M
    (2_500_000_000, False, "$2,500.0M"),
    (0, False, "$0.0M"),
    (1_250, False, "$0.0M"),
    (None, False, "-"),
    (1_250, True, "$1,250"),             # small amounts in whole dollars
    (-1_250, True, "-$1,250"),
    (3_000_000, True, "$3.0M"),          # a million and more: still millions
    (999_999.6, True, "$1,000,000"),
])
def test_money_text(usd, small, expected):
    assert money_text(usd, small=small) == expected


@pytest.mark.parametrize("p, decimals, bounded, expected", [
    (0.123, 1, False, "12.3%"),
    (0.5, 1, False, "50.0%"),
    (0, 1, False, "0.0%"),
    (1, 1, False, "100.0%"),
    (None, 1, False, "-"),
    (0.9951, 0, False, "100%"),
    (0.001, 1, True, "0.1%"),            # one decimal reads 0.001 as it is: neither 0 nor 1, no bound needed
    (0.0004, 1, True, "<0.1%"),          # bounded: close to 0 is not 0 ...
    (0.004, 0, True, "<1%"),
    (0.005, 0, True, "1%"),              # half a percent rounds half up
    (0.9996, 1, True, ">99.9%"),
    (0.999, 0, True, ">99%"),            # ... and close to 1 is not 1
    (0, 0, True, "0%"),                  # exactly 0 and 1 are
    (1.0, 0, True, "100%"),
    (0.25, 0, True, "25%"),
])
def test_percent_text(p, decimals, bounded, expected):
    assert percent_text(p, decimals=decimals, bounded=bounded) == expected


@pytest.mark.parametrize("p", [0.0001, 0.0049, 0.005, 0.0051, 0.006, 0.994, 0.9949, 0.995, 0.9999])
def test_a_bounded_percentage_is_never_0_or_100_unless_it_is(p):
    """The contract of ``bounded``: a probability that is neither 0 nor 1 never reads as either.

    (Result HTML shows P(deficit), P(mandate lapses) and P(reached ...) this way: 5 runs in 1,000
    with a deficit must not read "0%".)
    """
    for decimals in (0, 1):
        assert percent_text(p, decimals=decimals, bounded=True) not in ("0%", "0.0%", "100%", "100.0%"), (p, decimals)


# --------------------------------------------------------------------------- values as written on the command line


@pytest.mark.parametrize("value, expected", [
    (True, "true"),
    (False, "false"),
    (180, "180"),
    (0.5, "0.5"),
    (0.1 + 0.2, "0.3"),                  # 0.30000000000000004 reads as what was meant
    (-0.0, "0.0"),
    (dt.date(2025, 1, 1), "2025-01-01"),
    ("Kenya", "Kenya"),                  # strings bare ...
    ({"dist": "beta", "mean": 0.6, "sd": 0.1}, '{dist = "beta", mean = 0.6, sd = 0.1}'),  # ... but quoted inside tables
    ([1, "a", 0.5], '[1, "a", 0.5]'),
])
def test_value_text(value, expected):
    assert value_text(value) == expected


def test_point_text_and_parse_value_are_the_command_line_both_ways():
    point = {"assumptions.fulfilment": 0.5, "contingent.Kenya.fulfilment": {"dist": "beta", "mean": 0.6, "sd": 0.1}}
    assert point_text(point) == 'assumptions.fulfilment=0.5, contingent.Kenya.fulfilment={dist = "beta", mean = 0.6, sd = 0.1}'
    assert parse_value(value_text(point["contingent.Kenya.fulfilment"])) == point["contingent.Kenya.fulfilment"]
    assert parse_value("0.5") == 0.5 and parse_value("180") == 180 and parse_value("true") is True
    assert parse_value("2025-01-01") == dt.date(2025, 1, 1) and parse_value("[1, 2]") == [1, 2]
    assert parse_value("x y") == "x y"   # not TOML: the text itself


def test_tidy():
    assert tidy(0.1 + 0.2) == 0.3 and str(tidy(-0.0)) == "0.0" and tidy(2) == 2.0


def test_number_text_as_the_daily_csv_writes_it():
    assert [number_text(x) for x in (1.0, 0.5, 1 / 3, 2.0005, 1234567.25, -0.0001)] == [
        "1", "0.5", "0.333", "2.001", "1234567.25", "0"]  # at most 3 decimals; -0 is 0


def test_clip_and_shorten():
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc" and clip("abcd", 4) == "abcd"
    assert shorten(" a  b\n c ", 10) == "a b c"
    assert shorten("one two three", 8) == "one two…"


# --------------------------------------------------------------------------- tables


def test_table_aligns_columns_two_spaces_apart():
    rows = [["Kenya", "1,000"], ["Benin", "5"]]
    assert table(["name", "n"], rows, "lr") == [
        "name       n",
        "Kenya  1,000",
        "Benin      5",
    ]


def test_table_with_indent_and_rule():
    assert table(["name", "n"], [["Kenya", "1,000"], ["Benin", "5"]], "lr", indent="  ", rule=True) == [
        "  name       n",
        "  -----  -----",
        "  Kenya  1,000",
        "  Benin      5",
    ]


def test_table_widths_clip_and_leave_no_trailing_space():
    lines = table(["country", "note"], [["Côte d'Ivoire", "a long note here"]], "ll", max_widths=[5, None])
    assert lines == ["coun…  note", "Côte…  a long note here"]
    assert table(["a", "b"], [["x", "y"]], "lr", min_widths=[3, 3], fixed={1: 6}) == ["a         b", "x         y"]
    assert table(["a", "b"], [["x", ""]], "ll") == ["a  b", "x"]  # no trailing spaces


# --------------------------------------------------------------------------- CSV and JSON


def test_csv_text_writes_cells_as_people_read_them():
    row = [1, 2.5, None, True, "a,b", 3.0, dt.date(2024, 1, 2), {"dist": "beta", "mean": 0.5}, 1e20, 0.1 + 0.2]
    assert csv_text([row], list("abcdefghij")) == (
        "a,b,c,d,e,f,g,h,i,j\n"
        '1,2.5,,true,"a,b",3,2024-01-02,"{dist = ""beta"", mean = 0.5}",1e+20,0.30000000000000004\n'
    )
    assert csv_text([], ["x"]) == "x\n"


def test_rows_csv_takes_the_first_rows_keys():
    assert rows_csv([{"x": 1, "y": "a"}, {"x": 2}]) == "x,y\n1,a\n2,\n"
    assert rows_csv([{"x": 1, "y": "a"}], columns=["y"]) == "y\na\n"
    assert rows_csv([]) == "\n"


def test_json_text():
    assert json_text({"a": "é", "d": dt.date(2024, 1, 1)}) == '{\n  "a": "é",\n  "d": "2024-01-01"\n}\n'
