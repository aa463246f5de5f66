# `make demo` and `make test` work on a fresh machine with only Python >= 3.11: they create .venv,
# install HireBridge into it, and run.
PYTHON ?= python3
# Some environments set PYTHONDONTWRITEBYTECODE: every Python process then compiles HireBridge's ~150
# modules again (an editable install has no bytecode of its own), ~0.45 s of CPU per process. The suite
# starts hundreds (the CLI, servers, workers): let them cache bytecode in __pycache__ (git-ignored).
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo serve test test-fast lint typecheck pytest pytest-parallel format clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "HireBridge needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# `make demo PORT=8001` serves on another port; `make demo NEW_API_KEY=1` mints a new API key.
demo: install
	$(BIN)/hirebridge demo$(if $(PORT), --port $(PORT))$(if $(NEW_API_KEY), --new-api-key)

serve: install
	$(BIN)/hirebridge serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# mypy --strict on src/hirebridge and tests/ (pyproject [tool.mypy]).
typecheck: install
	$(BIN)/mypy

# pytest in two parts. Most of the suite waits on the wall clock rather than a CPU (emulators pacing
# requests by vendor rate limits, sync runs, subprocess servers), so it runs on PYTEST_WORKERS processes
# (pytest-xdist), a whole file per process (`--dist loadfile`: a module's shared fixtures are set up
# once; tests/conftest.py splits the conformance kit's file by backend and tool). Workers share nothing:
# PostgreSQL tests get a schema each, SQLite files live in tmp_path, servers bind port 0.
# Tests marked `serial` have a verdict that depends on timing: an emulator's exact rate meter judging
# when requests arrive (pacing, the shared limits, a client outrunning a vendor's limit), or two server
# processes that must both get CPU to accept connections. A process starved of CPU by its neighbours
# can bunch paced requests up or fall behind, so those run alone afterwards, as in a serial run.
PYTEST_WORKERS ?= 4
pytest: pytest-parallel
	$(BIN)/pytest -m serial

pytest-parallel: install
	$(BIN)/pytest -m "not serial" -n $(PYTEST_WORKERS) --dist loadfile

# mypy runs beside the parallel part of pytest (whose tail leaves CPU idle: ~1.5 min saved on 2 cores);
# the serial part starts only when both have passed, and runs alone.
test: lint
	@$(MAKE) --no-print-directory -j2 typecheck pytest-parallel
	$(BIN)/pytest -m serial

# The pure tests only (marker `fast`: no database, subprocess or socket): seconds, for a quick loop.
test-fast: install
	$(BIN)/pytest -m fast -q

format: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean:
	rm -rf $(VENV) hirebridge.db hirebridge.db-wal hirebridge.db-shm hirebridge.db-ratelimit* hirebridge.db.secret-key hirebridge.db.api-key hirebridge.db.admin-password

# Benchmarks (bench/, docs/benchmarks.md); never part of `make test`. BENCH_URL is created if missing.
BENCH_URL ?= postgresql://postgres@127.0.0.1:5432/bench
BENCH_APPLICATIONS ?= 1000000
BENCH_STAMP := $(VENV)/.bench-stamp
.PHONY: bench bench-quick bench-profile

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --url $(BENCH_URL) --applications $(BENCH_APPLICATIONS) --docs

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --quick

bench-profile: $(BENCH_STAMP)
	$(BIN)/python -m bench.profile_api
