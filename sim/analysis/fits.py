"""What a calibration holds (:mod:`sim.analysis.calibration` makes it): each fit to the observations up to a cutoff,
its posterior and its predictive run; the names of the files that carry a posterior."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..results import Result
    from ..scenario import Scenario
    from .abc import Fit, Options

#: The name of the posterior file a calibration writes, and that its calibrated scenario's [posterior] names.
POSTERIOR_FILE = "posterior.csv"


def calibrated_name(name: str) -> str:
    """The calibrated scenario's name."""
    return f"{name} (calibrated)"


@dataclasses.dataclass
class Fitted:
    """One fit: to the observations up to ``until``, its generations, the calibrated scenario and its predictive."""

    until: dt.date | None
    used: list
    later: list
    fit: Fit
    posterior_csv: str
    calibrated: Scenario
    predictive: Result
    in_sample: dict
    out_of_sample: dict | None


@dataclasses.dataclass
class CalibrationData:
    """What ``sim.calibrate`` gives: the fit to the observations up to ``until``, and the rolling fits if asked."""

    scenario: Scenario
    priors: dict
    observations: list
    observed_file: str
    seed: int
    replications: int
    options: Options
    main: Fitted
    rolling: list[Fitted]

    @property
    def keys(self) -> list[str]:
        """The fitted keys, in order."""
        return list(self.priors)

    @property
    def posterior(self):
        """The posterior particles and their weights: a pandas DataFrame where pandas is installed, else a dict."""
        last = self.main.fit.last
        data = {key: last.particles[:, k] for k, key in enumerate(self.keys)} | {"weight": last.weights}
        try:
            import pandas as pd
        except ImportError:
            return data
        return pd.DataFrame(data)

    @property
    def predictive(self) -> Result:
        """The posterior predictive run (``strength.csv``, ``funding.csv``)."""
        return self.main.predictive
