# Signon: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test-only JavaScript (axe-core for the accessibility checks), installed from the lock file.
AXE := node_modules/axe-core/axe.min.js

.PHONY: run test lint bench install lock messages clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(AXE): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(AXE)

install: $(STAMP) $(AXE)

# Creates the environment, migrates, creates the demo campaign and serves it with the dev mailbox.
# SIGNON_* settings already in the environment win (a real SMTP relay, PostgreSQL, ...).
run: $(STAMP)
	$(BIN)/python scripts/run_demo.py

# The whole suite, on SQLite, and on PostgreSQL too when SIGNON_TEST_POSTGRES_URL is set
# (.ci/run starts a PostgreSQL server and sets it).
test: lint $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts migrations bench
	$(BIN)/ruff format --check src tests scripts migrations bench

# Benchmarks (never part of `make test`): real servers, SQLite and PostgreSQL, wrk over loopback.
# BENCH_ROWS and BENCH_SECONDS shorten a run; see docs/PERFORMANCE.md. If PostgreSQL cannot be
# set up, it stops (rather than measure SQLite alone).
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	url="$${SIGNON_BENCH_POSTGRES_URL:-$$(bash scripts/postgres.sh signon_bench)}" && \
		SIGNON_BENCH_POSTGRES_URL="$$url" $(BIN)/python -m bench.run

# Refresh the translation catalogs from the text marked in templates and code (see README).
messages: $(STAMP)
	$(BIN)/python scripts/messages.py

# Regenerate the hashed lock file after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m venv .tools && .tools/bin/pip install --quiet 'uv>=0.13,<0.14'
	.tools/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .tools .pytest_cache node_modules
