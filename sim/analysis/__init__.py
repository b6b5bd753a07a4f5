"""The analyst's workflow: compare scenarios, sweep assumptions, backtest against reported figures, calibrate to them.

``checkpoints`` (the dates statistics are taken at), ``comparison``, ``grid`` (swept values),
``journal`` (resumable sweeps, designs and fits), ``sweeps``, ``observations`` (reported figures, their
kinds and series), ``scores`` (percentiles and CRPS of a figure of any kind) and ``backtests``; for "which
assumption matters" (issue #14) ``ranges`` (``--vary``), ``outcomes`` (``strength@end``, conditions),
``designs`` (running a design's points), ``indices`` (SALib), ``prim``, ``sensitivity`` and
``discovery``; for ``sim calibrate`` (issue #13) ``priors``, ``distance`` (the observation model), ``abc``
(ABC-SMC), ``fits`` (what a calibration holds), ``calibration`` (the fit and its predictive),
``calibration_report`` and ``calibration_files``. Each command's module owns its text table and its folder.

**Common random numbers.** Every run of a comparison or a sweep uses the same seed (by
default the first scenario's). Random streams are keyed by decision name
(:mod:`sim.streams`), so a decision that two variants share gets the same draws in both:
differences between them come from the scenarios, not from sampling noise.

**Checkpoints.** The headline statistics are taken at the mandate deadlines of the *first*
scenario of a comparison (or of the unswept scenario of a sweep), at the same dates for every
variant, and at each variant's own end. Column names carry the date (``total_p50_2025-10-02``)
or ``end``.
"""
