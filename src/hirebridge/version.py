"""HireBridge's version, written here only: the package metadata (pyproject.toml reads it), `hirebridge
--version` and the webhooks' User-Agent all take it from this module. CHANGELOG.md says what changed."""

__version__ = "0.1.0"
