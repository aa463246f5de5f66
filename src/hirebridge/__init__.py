"""HireBridge: a self-hosted unified ATS API, wire-compatible with Kombo's v1 ATS API."""

__version__ = "0.1.0"
