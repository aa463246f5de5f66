"""HireBridge: a self-hosted unified ATS API, wire-compatible with Kombo's v1 ATS API."""

from hirebridge.version import __version__

__all__ = ["__version__"]
