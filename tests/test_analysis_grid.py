"""Swept values and grids (sim.analysis.grid): lists, ranges that include their stop, cartesian products."""

from __future__ import annotations

import datetime as dt

import pytest

import sim
from sim.analysis.grid import (
    MAX_RANGE,
    SweepError,
    expand_grid,
    parse_grid,
    parse_values,
)


def test_parse_values_lists_and_ranges():
    assert sim.parse_values("0.1:0.5:0.1") == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert sim.parse_values("0.1:1.0:0.1") == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert sim.parse_values("0.2,0.5,0.8") == [0.2, 0.5, 0.8]
    assert sim.parse_values("0.7") == [0.7]
    assert sim.parse_values("180:365:60") == [180, 240, 300, 360]  # integers stay integers
    assert all(isinstance(v, int) for v in sim.parse_values("180:365:60"))
    assert sim.parse_values("1:0:-0.25") == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert sim.parse_values("0:0.3:0.1") == [0.0, 0.1, 0.2, 0.3]  # 0.30000000000000004 -> 0.3
    assert sim.parse_values("2024-09-20,2024-10-20") == [dt.date(2024, 9, 20), dt.date(2024, 10, 20)]
    assert sim.parse_values('{dist = "beta", mean = 0.5, sd = 0.1}, 1.0') == [
        {"dist": "beta", "mean": 0.5, "sd": 0.1}, 1.0]
    assert sim.parse_values("Kenya,Benin") == ["Kenya", "Benin"]
    for bad in ("0:1", "0:1:0", "1:0:0.1", "", "0:1:0.00001", "1,,2"):
        with pytest.raises(ValueError):
            sim.parse_values(bad)


def test_grid_is_the_cartesian_product_first_key_slowest():
    grid = parse_grid(["a=1,2", "b=x,y,z"])
    assert grid == {"a": [1, 2], "b": ["x", "y", "z"]}
    assert expand_grid(grid) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"},
    ]
    with pytest.raises(ValueError):
        parse_grid(["a=1", "a=2"])


def test_bad_values_are_sweep_errors_that_say_what_is_allowed():
    with pytest.raises(SweepError, match="start:stop:step"):
        parse_values("0:1")
    with pytest.raises(SweepError, match=f"gives 100,001 values; at most {MAX_RANGE:,}$"):
        parse_values("0:1:0.00001")  # a typo
    with pytest.raises(SweepError):
        parse_grid(["novalue"])
