"""The version (sim.version): the installed distribution's, recorded by ``sim --version`` and in every result."""

from __future__ import annotations

from importlib.metadata import version

import pytest

import sim
from sim.cli import main
from sim.version import __version__


def test_the_version_is_the_installed_distributions(capsys):
    assert __version__ == version("mss-sim") == sim.__version__
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"mss-sim {__version__}\n"


def test_a_result_records_the_version(baseline):
    result = sim.run(baseline, replications=16, seed=1, workers=1)
    assert result.version == __version__ == result.summary()["version"]
