"""The bounds of every value a scenario may hold, each written once (docs/design.md section 3, "Limits").

Each bound comes from what the engine represents exactly or what finishes in reasonable
time; the validator checks them all, so that a scenario ``sim validate`` accepts is one
``sim run`` can run. The README's "Limits" section lists them with their reasons.
"""

from __future__ import annotations

import datetime as dt

from ..text import MAX_FILE_BYTES

__all__ = [
    "MAX_FILE_BYTES", "MAX_EXTENDS_DEPTH", "MAX_NESTING", "MAX_PROBLEMS", "MAX_NAME_CHARS",
    "MAX_DESCRIPTION_CHARS", "RESERVED_COUNTRIES", "FIRST_DATE", "LAST_DATE", "MAX_DAYS", "MAX_PEOPLE",
    "MAX_USD", "MAX_SERIES_DAYS", "MAX_HISTOGRAM_CELLS", "MAX_REPLICATIONS", "MAX_KEPT_VALUES", "MAX_SEED",
    "MAX_CONTINGENTS", "MAX_MANDATES", "MAX_PLEDGES", "MAX_BATCHES", "MAX_TRANCHES", "MAX_MONTHS",
    "MAX_ATTRITION_PER_YEAR", "MAX_SWEEP_POINTS", "MAX_COMPARED", "MAX_OBSERVATIONS", "MAX_PARAMS_BYTES",
    "MAX_VARIED_KEYS", "MAX_DESIGN_POINTS",
]

#: Files in one ``extends`` chain, the file itself not counted (the shipped chains are one deep).
MAX_EXTENDS_DEPTH = 16
#: Tables and arrays within one another in a file (a scenario needs 5: contingent, its table, batches, a batch, its slip).
MAX_NESTING = 8
#: Problems listed for one scenario (the others are counted).
MAX_PROBLEMS = 100
#: Characters in a name: the scenario's, a country, a mandate's, a donor (names label charts and CSV rows).
MAX_NAME_CHARS = 100
#: Characters in the scenario's description.
MAX_DESCRIPTION_CHARS = 10_000
#: Series names the outputs use for themselves: no contingent may be called so (in any case or form).
RESERVED_COUNTRIES = ("total",)
#: Every date of a scenario lies in this window (far from the limits of Python's calendar).
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
#: 20 years: the longest simulated span (from the earliest date simulated to ``end``) and any number of days.
MAX_DAYS = 7_305
#: Any head count (pledged, batch size, authorized, target, authorized_after): strengths are int32 arrays.
MAX_PEOPLE = 1_000_000
#: Any amount of money, and every balance a scenario can reach, in US dollars (absolute): whole cents,
#: summed over MAX_REPLICATIONS replications, must fit in 64 bits (2**63 cents / 10**5 = $922 billion).
MAX_USD = 900_000_000_000
#: Days x series (each contingent and the total): the rows of strength.csv, and the daily curves of a replication.
MAX_SERIES_DAYS = 200_000
#: Cells of the strength histograms: days x (largest strength + 1), summed over the series (4 bytes each).
MAX_HISTOGRAM_CELLS = 2**27
#: Replications of one run: the baseline's take about 40 s on two cores; they give every probability to within
#: about 0.3 percentage points (95%).
MAX_REPLICATIONS = 100_000
#: Daily values kept by ``--keep-replications`` (replications x series x days, 4 bytes each, 8 for balances).
MAX_KEPT_VALUES = 2**28
#: The largest seed (a TOML integer: 64-bit signed).
MAX_SEED = 2**63 - 1
#: Contingents (there are 193 UN member states), mandates and pledges in one scenario.
MAX_CONTINGENTS = 200
MAX_MANDATES = 200
MAX_PLEDGES = 200
#: Batches of all contingents together (explicit or scheduled) and tranches of all pledges together: each batch
#: and tranche is a process of every replication, so these bound the time of one.
MAX_BATCHES = 1_000
MAX_TRANCHES = 1_000
#: Months between repeated renewals (a century).
MAX_MONTHS = 1_200
#: A yearly attrition hazard (100: everyone leaves within days; more means nothing more).
MAX_ATTRITION_PER_YEAR = 100
#: Points of one sweep (values of one range, and the whole grid), and scenarios of one comparison.
MAX_SWEEP_POINTS = 10_000
MAX_COMPARED = 20
#: Rows of an observations file (each is scored and labelled on the backtest chart).
MAX_OBSERVATIONS = 10_000
#: The largest parameter table read (``--params``): 100,000 rows of a dozen keys written in full.
MAX_PARAMS_BYTES = 64_000_000
#: Keys varied by one sensitivity analysis or discovery (a Sobol design has N x (2 x keys + 2) points).
MAX_VARIED_KEYS = 20
#: Points of one sensitivity or discovery design: each runs every replication (7,168 points of the
#: baseline at 200 replications each take most of an hour on two cores).
MAX_DESIGN_POINTS = 100_000
