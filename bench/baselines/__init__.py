"""Baselines the API is compared with: a minimal reference server (and the raw database, in bench.read)."""
