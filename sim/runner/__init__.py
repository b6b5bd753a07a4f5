"""Running replications: ``chunks`` (blocks of streams into partial aggregates), ``backends`` (local
processes or Dask), ``progress`` (bars), ``replications`` (``run`` and ``replicate``) and ``points``
(the design points of a sensitivity analysis, each reduced to a few numbers per replication)."""

from .backends import BACKENDS, Backend, BackendError, DaskBackend, LocalBackend, open_backend
from .chunks import CHUNK, plan_chunks, run_chunks
from .points import PointRecord, point_record, run_points
from .progress import OverallBar
from .replications import Replication, defaults, replicate, run

__all__ = ["BACKENDS", "Backend", "BackendError", "DaskBackend", "LocalBackend", "open_backend", "CHUNK",
           "plan_chunks", "run_chunks", "PointRecord", "point_record", "run_points", "OverallBar", "Replication", "defaults", "replicate", "run"]
