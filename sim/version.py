"""The installed version of mss-sim (recorded in every output)."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("mss-sim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
