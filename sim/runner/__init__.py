"""Running replications: ``chunks`` (blocks of streams into partial aggregates), ``backends`` (local
processes or Dask), ``progress`` (bars) and ``replications`` (``run`` and ``replicate``)."""

from .backends import BACKENDS, Backend, BackendError, DaskBackend, LocalBackend, open_backend
from .chunks import CHUNK, plan_chunks, run_chunks
from .progress import OverallBar
from .replications import Replication, defaults, replicate, run

__all__ = ["BACKENDS", "Backend", "BackendError", "DaskBackend", "LocalBackend", "open_backend", "CHUNK",
           "plan_chunks", "run_chunks", "OverallBar", "Replication", "defaults", "replicate", "run"]
