"""An interactive explorer for Jupyter: sliders that re-run a scenario and redraw its fan chart.

::

    import sim
    explorer = sim.explore(sim.load("scenarios/baseline.toml"), replications=200)
    explorer                      # as a cell's last expression: the sliders and the chart
    explorer.update(fulfilment=0.5, slip=2.0)   # the same from code (or a test): re-runs
    explorer.result, explorer.figure, explorer.overrides

Four sliders, each applied to the scenario with :meth:`Scenario.with_overrides`:

* **fulfilment**: the share of its pledge that every contingent deploys (a fixed fraction
  for ``assumptions.fulfilment`` and for every contingent that sets its own);
* **slip**: a multiplier on every contingent's batch slips (``assumptions.slip_days``,
  each contingent's and each batch's ``slip_days``, each component of a mixture; 2 = twice
  as late, or twice as early for a negative slip; 0 = on time).
  Funding tranche slips are left alone;
* **renewal**: the renewal probability of one mandate deadline: by default the first whose
  renewal is uncertain in the scenario (else the last);
* **tour_days**: the tour length of every contingent.

A slider that has not been moved leaves the scenario as written (``None`` in
:attr:`Explorer.values`; the slip multiplier 1 is the scenario as written). Every run
uses the same seed, so the differences between two settings come from the assumptions,
not from sampling noise (common random numbers).

This module imports nothing heavy: ipywidgets, IPython and matplotlib are imported when
an explorer is built. Without ipywidgets, :func:`explore` raises
:class:`MissingDependencyError` saying how to install them.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import INSTALL_HINTS, InputError, MissingDependencyError
from ..html import esc
from ..runner import open_backend, run
from ..scenario import Scenario
from ..text import count_text, percent_text

#: Slider names, in display order, with their ranges (min, max, step).
RANGES = {
    "fulfilment": (0.0, 1.0, 0.05),
    "slip": (0.0, 3.0, 0.25),
    "renewal": (0.0, 1.0, 0.05),
    "tour_days": (90, 730, 15),
}

LABELS = {
    "fulfilment": "fulfilment",
    "slip": "slip ×",
    "renewal": "P(renewal)",
    "tour_days": "tour (days)",
}


def _require_widgets():
    """The ipywidgets module; MissingDependencyError saying how to install it if it is missing."""
    try:
        import ipywidgets
    except ImportError:
        raise MissingDependencyError(
            "sim.explore needs ipywidgets (and a Jupyter kernel to show the sliders), which is not installed.\n"
            f"Install the notebook extra:  {INSTALL_HINTS['notebook']}   (or just: pip install ipywidgets)"
        ) from None
    return ipywidgets


def explore(scenario: Scenario, replications: int = 200, seed: int | None = None, workers: int | None = None,
            mandate: str | None = None) -> Explorer:
    """Sliders for fulfilment, slips, a mandate's renewal probability and tour length, and the fan chart.

    Returns an :class:`Explorer`; shown as a cell's last expression it displays the widgets.
    ``replications`` per re-run (keep it modest: every slider move re-runs), ``seed``
    defaults to the scenario's, ``workers`` (default the CPU count) share every re-run (their
    processes are kept until :meth:`Explorer.close` or the kernel ends), ``mandate`` names the
    deadline whose renewal probability the slider sets. Needs ipywidgets (``pip install 'mss-sim[notebook]'``).
    """
    return Explorer(scenario, replications=replications, seed=seed, workers=workers, mandate=mandate)


def slider_mandate(scenario: Scenario, name: str | None = None) -> str | None:
    """The mandate the renewal slider acts on: ``name``, else the first uncertain one, else the last."""
    if not scenario.mandates:
        if name is not None:
            raise InputError(f"scenario {scenario.name!r} has no mandates")
        return None
    names = [m.name for m in scenario.mandates]
    if name is not None:
        if name not in names:
            raise InputError(f"no mandate {name!r}; mandates: {', '.join(names)}")
        return name
    for m in scenario.mandates:
        dist = m.renewal_probability
        if not (dist.is_fixed and dist.params[0] == 1.0):
            return m.name
    return names[-1]


def explorer_overrides(scenario: Scenario, fulfilment: float | None = None, slip: float = 1.0,
                       renewal: float | None = None, tour_days: float | None = None,
                       mandate: str | None = None) -> dict[str, Any]:
    """The ``with_overrides`` dictionary the explorer applies for these slider values."""
    document = scenario.document
    contingents = [c for c in document.get("contingent", []) if isinstance(c, dict) and isinstance(c.get("country"), str)]
    out: dict[str, Any] = {}
    if fulfilment is not None:
        out["assumptions.fulfilment"] = float(fulfilment)
        for c in contingents:
            if "fulfilment" in c:
                out[f"contingent.{c['country']}.fulfilment"] = float(fulfilment)
    if tour_days is not None:
        out["assumptions.tour_days"] = round(tour_days)
        for c in contingents:
            if "tour_days" in c:
                out[f"contingent.{c['country']}.tour_days"] = round(tour_days)
    if slip is not None and float(slip) != 1.0:
        k = float(slip)
        assumptions = document.get("assumptions", {})
        out["assumptions.slip_days"] = _scale(assumptions.get("slip_days", 0), k) if isinstance(assumptions, dict) else 0
        for c in contingents:
            prefix = f"contingent.{c['country']}"
            if "slip_days" in c:
                out[f"{prefix}.slip_days"] = _scale(c["slip_days"], k)
            schedule = c.get("schedule")
            if isinstance(schedule, dict) and "slip_days" in schedule:
                out[f"{prefix}.schedule.slip_days"] = _scale(schedule["slip_days"], k)
            for i, batch in enumerate(c.get("batches", []) if isinstance(c.get("batches"), list) else []):
                if isinstance(batch, dict) and "slip_days" in batch:
                    out[f"{prefix}.batches.{i}.slip_days"] = _scale(batch["slip_days"], k)
    if renewal is not None:
        name = slider_mandate(scenario, mandate)
        if name is None:
            raise InputError(f"scenario {scenario.name!r} has no mandates: there is no renewal to set")
        out[f"mandate.{name}.renewal_probability"] = float(renewal)
    return out


def _scale(value: Any, k: float) -> Any:
    """A slip (a number or a distribution table) multiplied by ``k``; fact references are left as they are."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value * k
    if isinstance(value, dict) and value.get("dist") == "mixture" and isinstance(value.get("of"), list):
        return {**value, "of": [_scale(part, k) for part in value["of"]]}  # each component, weights kept
    if isinstance(value, dict):
        kind = value.get("dist")
        keys = {"fixed": ("value",), "uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                "normal": ("mean", "sd"), "lognormal": ("median",)}.get(kind, ())
        if kind == "lognormal" and k == 0:
            return 0  # a lognormal needs a positive median: zero slip is the number 0
        return {key: (v * k if key in keys and isinstance(v, (int, float)) else v) for key, v in value.items()}
    return value


def _weighted(scenario: Scenario, attribute: str) -> float:
    """The pledge-weighted mean of a contingent distribution's means (a slider's starting position)."""
    total = sum(c.pledged for c in scenario.contingents)
    if total == 0:
        return getattr(scenario.contingents[0], attribute).mean() if scenario.contingents else 0.0
    return sum(c.pledged * getattr(c, attribute).mean() for c in scenario.contingents) / total


def _snap(value: float, low: float, high: float, step: float) -> float:
    """``value`` clipped to [low, high] and rounded to the nearest slider step from ``low``."""
    value = min(max(value, low), high)
    return round(low + round((value - low) / step) * step, 6)


class Explorer:
    """Sliders that re-run a scenario; ``update(**values)`` does what moving them does.

    Attributes: ``scenario`` (as written), ``values`` (slider values, None = as written),
    ``overrides`` (what was applied), ``variant`` (the scenario run), ``result`` and
    ``figure`` (the last run and its fan chart, redrawn in place), ``widget`` (the ipywidgets box).
    Every re-run shares ``workers`` processes kept open (:meth:`close` stops them).
    """

    def __init__(self, scenario: Scenario, replications: int = 200, seed: int | None = None,
                 workers: int | None = None, mandate: str | None = None):
        widgets = _require_widgets()
        self.scenario = scenario
        self.replications = int(replications)
        self.seed = scenario.seed if seed is None else int(seed)
        self.workers = workers
        self.backend = open_backend("local", workers, spread=True)  # a small run is shared by every worker
        self.chart = None
        self.mandate = slider_mandate(scenario, mandate)
        self.values: dict[str, float | None] = {"fulfilment": None, "slip": 1.0, "renewal": None, "tour_days": None}
        self.overrides: dict[str, Any] = {}
        self.variant = scenario
        self.result = None
        self.figure = None
        self.error: str | None = None
        self._syncing = False
        self._build(widgets)
        self.update()

    # ------------------------------------------------------------------ the model side

    def starting_values(self) -> dict[str, float | None]:
        """Where each slider starts: the scenario's own (pledge-weighted mean) values."""
        sc = self.scenario
        renewal = None
        if self.mandate is not None:
            renewal = next(m for m in sc.mandates if m.name == self.mandate).renewal_probability.mean()
        return {
            "fulfilment": _weighted(sc, "fulfilment") if sc.contingents else 1.0,
            "slip": 1.0,
            "renewal": renewal,
            "tour_days": _weighted(sc, "tour_days") if sc.contingents else 365,
        }

    def update(self, **values) -> Any:
        """Set slider values (fulfilment, slip, renewal, tour_days; None = as written), re-run and redraw.

        Returns the new :class:`~sim.results.Result`. Raises ScenarioError or ValueError for
        values the scenario cannot take (the widgets show the message instead).
        """
        unknown = sorted(set(values) - set(self.values))
        if unknown:
            raise TypeError(f"unknown explorer value(s) {', '.join(unknown)}; choose from {', '.join(self.values)}")
        state = {**self.values, **values}
        if state["slip"] is None:
            state["slip"] = 1.0
        overrides = explorer_overrides(self.scenario, mandate=self.mandate, **state)
        variant = self.scenario.with_overrides(overrides) if overrides else self.scenario
        result = run(variant, replications=self.replications, seed=self.seed, backend=self.backend)
        self.values, self.overrides, self.variant, self.result, self.error = state, overrides, variant, result, None
        if self.chart is None:
            from ..plots.live import LiveFan

            self.chart = LiveFan(result)
        else:
            self.chart.update(result)
        self.figure = self.chart.figure
        self._sync_sliders()
        self._render()
        return result

    def reset(self) -> Any:
        """Back to the scenario as written."""
        return self.update(fulfilment=None, slip=1.0, renewal=None, tour_days=None)

    def close(self) -> None:
        """Stop the worker processes (a later update starts them again)."""
        self.backend.__exit__(None, None, None)

    # ------------------------------------------------------------------ the widgets

    def _build(self, widgets) -> None:
        """Build the sliders (at the scenario's values), the reset button, the status line and the output."""
        start = self.starting_values()
        self.sliders = {}
        layout = widgets.Layout(width="420px")
        style = {"description_width": "90px"}
        for key, (low, high, step) in RANGES.items():
            if key == "renewal" and self.mandate is None:
                continue
            value = _snap(start[key], low, high, step)
            cls = widgets.IntSlider if key == "tour_days" else widgets.FloatSlider
            kwargs = {"value": value, "min": low, "max": high, "step": step, "description": LABELS[key],
                      "continuous_update": False, "layout": layout, "style": style}
            if cls is widgets.FloatSlider:
                kwargs["readout_format"] = ".2f"
            slider = cls(**kwargs)
            slider.observe(self._on_slide(key), names="value")
            self.sliders[key] = slider
        notes = {
            "fulfilment": "share of every pledge that deploys (all contingents)",
            "slip": "multiplier on every batch slip (1 = as written, 0 = on time)",
            "renewal": f"renewal probability of mandate {self.mandate!r}" if self.mandate else "",
            "tour_days": "tour length of every contingent",
        }
        rows = [widgets.HBox([s, widgets.HTML(f'<span style="color:#666">{esc(notes[k])}</span>')])
                for k, s in self.sliders.items()]
        self.reset_button = widgets.Button(description="Reset to scenario", tooltip="the scenario as written")
        self.reset_button.on_click(lambda _button: self._safely(self.reset))
        self.status = widgets.HTML()
        self.output = widgets.Output()
        header = widgets.HTML(
            f"<b>{esc(self.scenario.name)}</b>: {self.replications:,} replications per setting, seed {self.seed} "
            "(the same for every setting). Sliders start at the scenario's values; "
            "a slider you move overrides that value for every contingent."
        )
        self.widget = widgets.VBox([header, *rows, self.reset_button, self.status, self.output])

    def _on_slide(self, key: str):
        """The callback of slider ``key``: re-run with its new value."""
        def changed(change) -> None:
            """Re-run with the new value (errors shown in the widgets), unless the code moved the slider."""
            if not self._syncing:
                self._safely(lambda: self.update(**{key: change["new"]}))
        return changed

    def _safely(self, action) -> None:
        """Run ``action``; show an error in the widgets instead of raising (slider callbacks)."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown to the user, who can move the slider back
            self.error = f"{type(error).__name__}: {error}"
            self.status.value = f'<pre style="color:#b2182b">{esc(self.error)}</pre>'

    def _sync_sliders(self) -> None:
        """Move the sliders to the current values (the scenario's own where None) without re-running."""
        self._syncing = True
        try:
            start = self.starting_values()
            for key, slider in self.sliders.items():
                value = self.values[key] if self.values[key] is not None else start[key]
                low, high, step = RANGES[key]
                value = _snap(value, low, high, step)
                slider.value = int(value) if key == "tour_days" else value
        finally:
            self._syncing = False

    def _status_html(self) -> str:
        """The last run's headline as HTML: strength at each deadline and at the end, P(deficit), overrides."""
        r = self.result
        s = r.summary()
        st = s["strength"]
        cells = []
        for d in st["at_deadlines"]:
            x = d["strength"]
            cells.append(f"{esc(d['mandate'])} ({d['date']}): median {count_text(x['p50'])} "
                         f"[{count_text(x['p5'])}–{count_text(x['p95'])}], P(≥{s['authorized']:,}) "
                         f"{percent_text(d['p_reach_authorized'], 0)}")
        x = st["at_end"]
        cells.append(f"end ({s['end']}): median {count_text(x['p50'])} [{count_text(x['p5'])}–{count_text(x['p95'])}], "
                     f"P(lapse) {percent_text(st['p_lapse'], 0)}")
        if "funding" in s:
            cells.append(f"P(deficit) {percent_text(s['funding']['p_deficit'], 0)}")
        changed = ", ".join(f"{esc(k)} = {esc(_short(v))}" for k, v in self.overrides.items()) or "none (as written)"
        return ("<div style='font-size:12px'>" + "<br>".join(cells)
                + f"<br><span style='color:#666'>overrides: {changed}</span></div>")

    def _render(self) -> None:
        """Show the status line and, in a Jupyter kernel, the figure as a PNG (headless: nothing is drawn)."""
        self.status.value = self._status_html()
        if not _in_kernel():  # headless (a test, a script): keep result and figure, draw nothing
            return
        from IPython.display import Image, display

        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=self.figure.dpi)
        with self.output:
            self.output.clear_output(wait=True)
            display(Image(data=buffer.getvalue(), format="png", width=900))

    def _ipython_display_(self) -> None:
        """Display the widgets (what Jupyter shows for an explorer as a cell's last expression)."""
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return (f"<Explorer {self.scenario.name!r}: {self.replications} replications, seed {self.seed}, "
                f"values {self.values}>")


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (where a figure can be displayed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _short(value: Any) -> str:
    """An override value in short text for the status line (numbers as ``%g``, tables as ``{k=v, ...}``)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
