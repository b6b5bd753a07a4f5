"""The tables of a calibration in a scenario file (docs/design.md section 3, added for issue #13): ``[calibration]``
names the keys ``sim calibrate`` fits and their priors; ``[posterior]`` names a file of fitted particles, one of
which each replication draws, jointly and by weight."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..dists import MIXTURE, Dist, DistError
from ..text import read_text_file, InputFileError
from .limits import MAX_PARAMS_BYTES
from .params import ParamsError, table_of_text
from .problems import Problem, key_path

if TYPE_CHECKING:
    from .checker import Checker

#: The forms a prior may take, alone or as the components of a mixture: each has a density.
PRIOR_FORMS = ("uniform", "triangular", "normal", "lognormal", "beta")
#: The column of a posterior file that holds each particle's weight.
WEIGHT = "weight"
#: What a [calibration] item looks like, for messages.
EXAMPLE = '"contingent.Kenya.slip_days.median" = { dist = "uniform", low = 10, high = 150 }'


class Priors(dict):
    """The priors of a [calibration] table by key, with where each is written (``lines``: key -> (file, line))."""

    def __init__(self, items=(), lines: dict | None = None):
        super().__init__(items)
        self.lines = dict(lines or {})


@dataclass(frozen=True, eq=False)
class Posterior:
    """A posterior file read and checked: each key's column, the particles' weights, where each row is, its digest."""

    file: str
    columns: dict[str, np.ndarray]
    weights: np.ndarray
    lines: np.ndarray  # the line of each row in the file
    header_line: int
    digest: str  # SHA-256 of the file's text: what the scenario's hash covers instead of the path

    @property
    def keys(self) -> list[str]:
        """The fitted keys, in the file's order."""
        return list(self.columns)

    @property
    def rows(self) -> int:
        """How many particles."""
        return len(self.weights)


def prior_problem(prior: Dist) -> str | None:
    """What keeps ``prior`` from being a prior of a fit (it needs a density over a range of values), or None."""
    parts = [part for _, part in prior.weighted_parts()] if prior.kind == MIXTURE else [prior]
    for part in parts:
        if part.kind not in PRIOR_FORMS:
            return (f"a prior needs a density: {', '.join(PRIOR_FORMS)} or a mixture of them, got "
                    f"{'a fixed value' if part.is_fixed else part.kind}")
        low, high = part.support()
        if not low < high:
            return f"a prior must spread over a range of values; {part} gives one value"
    return None


def flatten(table: dict, prefix: tuple = ()) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` of a [calibration] table, whether its keys are quoted (``"a.b" = ...``) or dotted
    (``a.b = ...``, which TOML nests): a distribution table or anything that is not a table ends a key."""
    for key, value in table.items():
        if isinstance(value, dict) and value and "dist" not in value:
            yield from flatten(value, prefix + (str(key),))
        else:
            yield ".".join(prefix + (str(key),)), value


def calibration_table(check: Checker, table: Any) -> Priors:
    """The priors of a [calibration] table by key (problems recorded at each key's line)."""
    if not isinstance(table, dict):
        check.problem(("calibration",), f"must be a table of KEY = PRIOR items, e.g. {EXAMPLE}")
        return Priors()
    out = Priors()
    for key, raw in flatten(table):
        out.lines[key] = key_line(check.locator.files, key)
        if not isinstance(raw, dict):
            add_problem(check, key, f"must be a prior: a distribution table, e.g. {EXAMPLE}")
            continue
        try:
            prior = Dist.from_table(raw)
        except DistError as error:
            add_problem(check, key, str(error))
            continue
        problem = prior_problem(prior)
        if problem:
            add_problem(check, key, problem)
            continue
        out[key] = prior
    return out


def add_problem(check: Checker, key: str, message: str) -> None:
    """Record a problem of the [calibration] item ``key``, at the line that writes it (quoted or dotted)."""
    file, line = key_line(check.locator.files, key)
    if file is None:
        check.problem(("calibration", key), message)
    elif not check.full:
        check.problems.append(Problem(file, line, key_path(("calibration", key)), message))
    else:
        check.more += 1


def key_line(files: list, key: str) -> tuple[str | None, int | None]:
    """The file and line of [calibration] item ``key`` in the files of an ``extends`` chain (child first)."""
    pattern = re.compile(r"^\s*(\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"'|" + re.escape(key) + r")\s*=")
    for file, text, document in files:
        if isinstance(document, dict) and "calibration" in document:
            for number, line in enumerate(text.splitlines(), 1):
                if pattern.match(line):
                    return str(file), number
    return None, None


def anchored(document: dict, path: Path) -> dict:
    """``document`` (read from ``path``) with its [posterior] file made absolute, relative to ``path``'s folder."""
    table = document.get("posterior")
    if isinstance(table, dict) and isinstance(table.get("file"), str) and table["file"] and "\x00" not in table["file"]:
        if not os.path.isabs(table["file"]):
            folder = path.resolve().parent
            document = {**document, "posterior": {**table, "file": os.path.normpath(folder / table["file"])}}
    return document


def posterior_table(check: Checker, table: Any, source: Path) -> Posterior | None:
    """The Posterior that a [posterior] table names (its file read and checked), or None after problems."""
    if not check.keys(table, "posterior", ("posterior",)):
        return None
    name = table.get("file")
    if not isinstance(name, str) or not name.strip() or "\x00" in name:
        check.problem(("posterior", "file"), 'needs file = "posterior.csv": a CSV file of one column per fitted key '
                                             'and a weight column, as sim calibrate writes it')
        return None
    path = Path(name) if os.path.isabs(name) else source.resolve().parent / name
    try:
        return read_posterior(path)
    except ParamsError as error:
        if error.line is None:
            check.problem(("posterior", "file"), str(error))
        else:
            check.problems.append(Problem(error.file, error.line, error.key or "posterior", error.detail))
        return None


_READ: dict[tuple[str, str], Posterior] = {}


def read_posterior(path: str | Path) -> Posterior:
    """A posterior file: one column per key, a ``weight`` column (>= 0, not all 0); ParamsError if wrong. A file
    read again with the same text is not parsed again."""
    name = str(path)
    try:
        text = read_text_file(path, MAX_PARAMS_BYTES)
    except InputFileError as error:
        raise ParamsError(name, None, str(error)) from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = _READ.get((name, digest))
    if cached is not None:
        return cached
    columns, lines, header = table_of_text(text, name)
    columns.pop("replication", None)
    weights = columns.pop(WEIGHT, None)
    if weights is None:
        raise ParamsError(name, header, f"no {WEIGHT} column; a posterior has one column per fitted key and a "
                                        f"{WEIGHT} column, as sim calibrate writes posterior.csv")
    if not columns:
        raise ParamsError(name, header, "no key column; a posterior has one column per fitted key (e.g. "
                                        "contingent.Kenya.slip_days.median) and a weight column")
    negative = np.flatnonzero(weights < 0)
    if negative.size:
        k = int(negative[0])
        raise ParamsError(name, int(lines[k]), f"must be >= 0, got {weights[k]:g}", WEIGHT)
    if not weights.sum() > 0:
        raise ParamsError(name, None, "every weight is 0; at least one particle needs a weight above 0")
    posterior = Posterior(name, columns, weights, lines, header, digest)
    if len(_READ) > 16:
        _READ.clear()
    _READ[(name, digest)] = posterior
    return posterior
