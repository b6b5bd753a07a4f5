"""Every replication's named draws as a table (``--keep-draws``, ``draws.csv``): a ``replication`` column,
then the varied keys, then one column per named draw (docs/design.md section 5)."""

from __future__ import annotations

import math

import numpy as np

from ..text import csv_text


def column(name: tuple) -> str:
    """A draw's column: a varied key as it is (``assumptions.fulfilment.mean``), a decision's name joined by
    ``:`` (``fulfilment:COUNTRY``, ``slip:COUNTRY:2``, ``relief:COUNTRY:2.0``, ``renewal:MANDATE:0``)."""
    if name[0] == "vary":
        return str(name[1])
    return ":".join(str(part) for part in name)


def table(records: list[tuple[int, dict]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(columns, replication numbers, values) of records ``(replication, {name: value})``, in replication order;
    columns in order of first appearance (varied keys first), a draw a replication did not make is NaN."""
    records = sorted(records, key=lambda item: item[0])
    names: dict[tuple, int] = {}
    for _, record in records:
        for name in record:
            if name not in names:
                names[name] = len(names)
    order = sorted(names, key=lambda name: (name[0] != "vary", names[name]))
    where = {name: k for k, name in enumerate(order)}
    values = np.full((len(records), len(order)), math.nan)
    for row, (_, record) in enumerate(records):
        for name, value in record.items():
            values[row, where[name]] = float(value)
    replications = np.array([r for r, _ in records], dtype=np.int64)
    return [column(name) for name in order], replications, values


def draws_csv(records: list[tuple[int, dict]]) -> str:
    """The draws as CSV: exact values (as Python writes them, so that a replication can be rerun), empty if not drawn."""
    columns, replications, values = table(records)
    rows = ([int(r)] + [None if math.isnan(v) else _number(v) for v in row]
            for r, row in zip(replications.tolist(), values.tolist()))
    return csv_text(rows, ["replication", *columns])


def draws_frame(records: list[tuple[int, dict]]):
    """The draws as a pandas DataFrame (indexed by replication) where pandas is installed, else a dict of columns."""
    columns, replications, values = table(records)
    data = {"replication": replications, **{name: values[:, k] for k, name in enumerate(columns)}}
    try:
        import pandas as pd
    except ImportError:
        return data
    return pd.DataFrame(data).set_index("replication")


def _number(value: float) -> int | float:
    """A whole value as an integer (a decision that happened is 1), any other as it is."""
    return int(value) if value.is_integer() else value
