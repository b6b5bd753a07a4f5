"""sim.errors: one base (SimError) for every error about what a user gave, and the missing-dependency message.

What the CLI does with them (exit 2 with the message, exit 1 for anything else) is in test_cli.py.
"""

from __future__ import annotations

import pytest

import sim
from sim.analysis.grid import SweepError
from sim.analysis.observations import ObservationError
from sim.cli.options import UsageError
from sim.dists import DistError
from sim.errors import (
    INSTALL_HINTS,
    InputError,
    MissingDependencyError,
    SimError,
    missing,
)
from sim.facts import FactError
from sim.files import OutputError
from sim.runner import BackendError
from sim.scenario import ScenarioError

#: Every bad-input error, and whether it is also a ValueError (for Python callers).
ERRORS = {
    ScenarioError: False, FactError: True, DistError: True, OutputError: False, BackendError: False,
    SweepError: True, ObservationError: True, UsageError: False, InputError: True, MissingDependencyError: False,
}


@pytest.mark.parametrize("error", list(ERRORS), ids=lambda e: e.__name__)
def test_every_bad_input_error_is_a_sim_error(error):
    assert issubclass(error, SimError)
    assert issubclass(error, ValueError) == ERRORS[error]


def test_the_base_is_public():
    assert sim.SimError is SimError and sim.ScenarioError is ScenarioError


def test_missing_names_what_and_how_to_install():
    error = missing("the dask backend", "dask.distributed", "dask")
    assert isinstance(error, MissingDependencyError) and isinstance(error, ImportError)
    assert str(error) == ("the dask backend needs dask.distributed, which is not installed; "
                          "install it with pip install 'mss-sim[dask]' (in a clone of the repository: "
                          "pip install -e '.[dask]')")
    assert INSTALL_HINTS == {"notebook": "pip install 'mss-sim[notebook]'", "dask": "pip install 'mss-sim[dask]'",
                             "analysis": "pip install 'mss-sim[analysis]'"}


def test_bad_arguments_of_the_python_api_are_value_errors(baseline):
    with pytest.raises(InputError, match="replications must be from 1 to 100,000, got 0"):
        sim.run(baseline, replications=0)
    with pytest.raises(ValueError):  # what a Python caller catches
        sim.parse_values("0:1:0")
