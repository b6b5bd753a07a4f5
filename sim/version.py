"""The installed version of mss-sim (recorded in every output), and the environment a run's numbers came from."""

import platform
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("mss-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"


def environment() -> dict[str, str]:
    """The Python, NumPy and SimPy versions and the platform of this process (summary.json records them:
    NumPy promises the same random streams only from the same build)."""
    import numpy
    import simpy

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "simpy": getattr(simpy, "__version__", None) or _version("simpy"),
            "platform": platform.platform()}
