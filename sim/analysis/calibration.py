"""``sim calibrate``: fit a scenario's keys to what was reported, by ABC-SMC (:mod:`sim.analysis.abc`), every
generation's batch of particles one run of the scenario (replication r takes particle r), then the posterior
predictive run by the scenario's own [posterior] mechanism, and scored in and out of sample
(docs/design.md section 5; added for issue #13).

Results are a pure function of (scenario, observations, until, priors, seed, options, predictive replications):
byte-identical whatever the workers or the backend. With a journal, each finished generation is appended as it
ends, so a fit interrupted (Ctrl-C, a lost cluster) resumes where it stopped and ends as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..model.variants import calibration_problems
from ..runner import defaults, open_backend, run
from ..scenario import ScenarioError, as_scenario
from ..scenario.varied import check_corners, extremes, prior_probes, resolve
from ..text import csv_text
from ..version import __version__
from .abc import Generation, Options, smc
from .backtests import backtest
from .calibration_files import calibration_figure, save_calibration
from .calibration_report import calibration_summary, calibration_text
from .distance import check_kinds, date_of, kind_of, rel_error_of, targets
from .fits import POSTERIOR_FILE, CalibrationData, Fitted, calibrated_name
from .journal import append_journal, read_journal
from .observations import ObservationError, arrivals_needed, check_observations
from .priors import as_priors

if TYPE_CHECKING:
    from ..results import Result
    from ..runner import Backend
    from ..scenario import Scenario

class Calibration(CalibrationData):
    """What ``sim.calibrate`` gives: the fit to the observations up to ``until`` (``main``), the rolling fits if
    asked, the posterior (``posterior``), the predictive run (``predictive``); ``summary()``, ``text()``, ``save()``."""

    def summary(self) -> dict:
        """calibration.json's content."""
        return calibration_summary(self)

    def text(self) -> str:
        """A one-screen summary for terminals."""
        return calibration_text(self)

    def __str__(self) -> str:
        return self.text()

    def plot(self):
        """calibration.png as a matplotlib Figure: the predictive fan with the observations, each key's prior and
        posterior."""
        return calibration_figure(self)

    def save(self, directory, formats: Sequence[str] = ("png",), force: bool = False, question: str | None = None):
        """Write the folder of ``sim calibrate`` (docs/design.md section 5) atomically; return its path."""
        return save_calibration(self, directory, formats=formats, force=force, question=question)


def calibrate(scenario, observations: Sequence, fit: Mapping[str, Any] | None = None, until: dt.date | None = None,
              particles: int = 1000, seed: int | None = None, replications: int | None = None,
              options: Options | None = None, rolling: Sequence[dt.date] = (), workers: int | None = None,
              backend: str = "local", scheduler: str | None = None, journal: str | Path | None = None,
              report: Callable[[str, Any], None] | None = None, progress: Callable[[int], None] | None = None,
              observed_file: str = "") -> Calibration:
    """Fit ``fit`` ({key: prior}; default the scenario's [calibration]) to the ``observations`` dated up to ``until``
    (default all) by ABC-SMC with ``particles`` per generation (``options`` for the rest), then run the posterior
    predictive with ``replications`` (default the scenario's) and ``seed`` (default the scenario's; it also seeds
    the fit). ``rolling`` dates: a fit up to each, scored on the observations after it. ``journal``: a file where
    finished generations are kept, so that an interrupted fit resumes. ``report(label, event)`` gets each
    generation and each stop; ``progress(n)`` counts simulated replications. InputError (an ObservationError for
    the observations) for anything wrong, before anything runs."""
    scenario = as_scenario(scenario)
    if scenario.posterior is not None:
        raise InputError(f"{Path(scenario.source).name} draws its values from a posterior already "
                         f"({scenario.posterior.file}); calibrate the scenario it extends instead")
    priors = as_priors(fit if fit else scenario.calibration, "--fit" if fit else "[calibration]")
    replications, seed = defaults(scenario, replications, seed)
    options = dataclasses.replace(options or Options(), particles=int(particles)).checked()
    check_priors(scenario, priors, bool(fit))
    check_kinds(observations)
    observations = check_observations(scenario, observations)[0]  # the CLI says what was left out
    cutoffs = [until] + sorted(set(rolling))
    splits = [split(observations, cutoff) for cutoff in cutoffs]
    for cutoff, (used, _) in zip(cutoffs, splits):
        if not used:
            raise ObservationError(f"no observation is dated up to {cutoff}: a fit needs at least one"
                                   if cutoff else "no observations to fit")
    for cutoff, (_, later) in zip(cutoffs[1:], splits[1:]):
        if not later:
            raise ObservationError(f"--rolling {cutoff}: no observation is dated after it, so nothing scores that fit")
    done = read_journal(journal) if journal is not None else {}
    fitted = []
    with open_backend(backend, workers, scheduler) as opened:
        for index, (cutoff, (used, later)) in enumerate(zip(cutoffs, splits)):
            label = f"rolling {cutoff}" if index else "fit"
            fitted.append(fit_until(scenario, priors, used, later, cutoff, seed, replications, options, opened,
                                    journal, done, lambda event, label=label: report and report(label, event),
                                    progress))
    return Calibration(scenario, priors, observations, observed_file, seed, replications, options, fitted[0],
                       fitted[1:])


def check_priors(scenario: Scenario, priors: dict, given: bool) -> None:
    """Every key of ``priors`` resolved on ``scenario`` and every value its prior gives checked, as ``--vary`` checks
    them (ScenarioError naming ``--fit KEY``, or the [calibration] item's line)."""
    if not given:
        problems = calibration_problems(scenario)
        if problems:
            raise ScenarioError(problems)
        return
    for key, prior in priors.items():
        resolve(scenario, key, prior_probes(key, prior), "--fit")
    check_corners(scenario, {key: extremes(prior) for key, prior in priors.items()}, "--fit")


def split(observations: Sequence, until: dt.date | None) -> tuple[list, list]:
    """(the observations dated up to ``until``, those after it); all are used without ``until``."""
    if until is None:
        return list(observations), []
    return [o for o in observations if date_of(o) <= until], [o for o in observations if date_of(o) > until]


def fit_until(scenario: Scenario, priors: dict, used: list, later: list, until: dt.date | None, seed: int,
              replications: int, options: Options, backend: Backend, journal: str | Path | None, done: dict,
              report: Callable, progress: Callable | None) -> Fitted:
    """Fit ``priors`` to ``used``, run the predictive, score it on ``used`` and ``later``."""
    aims = targets(scenario, used)

    def simulate(table: dict, batch_seed: int) -> np.ndarray:
        """The distance of each particle of ``table`` (replication r takes row r)."""
        size = len(next(iter(table.values())))
        result = run(scenario, replications=size, seed=batch_seed, params=table, keep_replications=True,
                     keep_days=aims.days, arrivals=aims.arrivals, backend=backend, progress=progress or False)
        arrived = [result.replication_arrived(series, day) for series, day in aims.arrivals]
        return aims.distances(result.replication_strength(), np.stack(arrived, axis=1) if arrived else None)

    key = fit_key(scenario, priors, used, seed, options)
    generations, stopped = journaled(done, key)

    def record(event) -> None:
        """Journal a finished generation (or the stop), then tell ``report``."""
        if journal is not None:
            if isinstance(event, Generation):
                append_journal(journal, f"{key}:{event.number}", event.to_json())
            else:
                append_journal(journal, f"{key}:stop", event)
        report(event)

    for generation in generations:  # already done: reported as they come, for the progress lines
        report(generation)
    fit = smc(priors, simulate, seed, options, generations, stopped, record)
    if stopped is not None:
        report(stopped)
    text = posterior_csv(list(priors), fit.last)
    calibrated, predictive = predict(scenario, text, seed, replications, backend, progress, used + later)
    in_sample = backtest(predictive, used)
    out_of_sample = backtest(predictive, later) if later else None
    return Fitted(until, used, later, fit, text, calibrated, predictive, in_sample, out_of_sample)


def posterior_csv(keys: list[str], generation: Generation) -> str:
    """posterior.csv: one column per key, then ``weight``; one row per particle, values exact."""
    rows = [[float(v) for v in row] + [float(w)] for row, w in zip(generation.particles.tolist(),
                                                                    generation.weights.tolist())]
    return csv_text(rows, keys + ["weight"])


def calibrated_scenario(scenario: Scenario, file: str | Path, seed: int, replications: int) -> Scenario:
    """``scenario`` with the [posterior] ``file``, its name marked as calibrated and the predictive's seed and
    replications as its defaults: the scenario calibrated.toml describes (the same document and hash)."""
    overrides = {"scenario.name": calibrated_name(scenario.name), "scenario.seed": seed,
                 "scenario.replications": replications, "posterior.file": str(file)}
    return dataclasses.replace(scenario.with_overrides(overrides), overrides=dict(scenario.overrides))


def predict(scenario: Scenario, text: str, seed: int, replications: int, backend: Backend,
            progress: Callable | None, observations: Sequence = ()) -> tuple[Scenario, Result]:
    """The calibrated scenario and its run: each replication draws one particle of the posterior ``text``, by weight,
    through the scenario's [posterior] table, exactly as ``sim run calibrated.toml`` does (recording the cumulative
    arrivals ``observations`` report, so that they are scored too)."""
    with tempfile.TemporaryDirectory(prefix="mss-sim-posterior-") as folder:
        path = Path(folder) / POSTERIOR_FILE
        path.write_text(text, encoding="utf-8")
        calibrated = calibrated_scenario(scenario, path, seed, replications)
        result = run(calibrated, replications=replications, seed=seed, backend=backend, progress=progress or False,
                     arrivals=arrivals_needed(observations))
    return calibrated, result


def fit_key(scenario: Scenario, priors: dict, used: list, seed: int, options: Options) -> str:
    """What a fit's generations depend on (the scenario, priors, observations used, seed, options, version)."""
    observed = [(date_of(o).isoformat(), o[1], float(o[2]), kind_of(o), rel_error_of(o)) for o in used]
    text = json.dumps([scenario.hash, {k: repr(p) for k, p in priors.items()}, observed, seed,
                       dataclasses.asdict(options), __version__], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def journaled(done: dict, key: str) -> tuple[list[Generation], dict | None]:
    """The generations of fit ``key`` in the journal (0, 1, ... as far as they run on), and its stop if recorded."""
    generations = []
    while f"{key}:{len(generations)}" in done:
        generations.append(Generation.from_json(done[f"{key}:{len(generations)}"]["stats"]))
    stop = done.get(f"{key}:stop")
    stopped = dict(stop["stats"]) if stop and generations else None
    return generations, stopped
