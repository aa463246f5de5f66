"""HireBridge benchmarks (issue 6): every figure is compared with a baseline measured in the same run.

Run `make bench-quick` (SQLite, 100k applications, cached dataset) or `make bench` (PostgreSQL, size
from BENCH_APPLICATIONS). See docs/benchmarks.md.
"""
