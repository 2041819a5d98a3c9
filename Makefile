# Two commands from a fresh clone: `make run` serves the API, `make test` runs the whole suite.
# Only Python 3.11+ and make are needed; PostgreSQL and Redis are embedded unless
# DATABASE_URL / REDIS_URL / CELERY_BROKER_URL name real servers.
# The first interpreter on PATH that really runs and is 3.11+ (pyenv shims may exist but fail).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_DEPS := tests/federation/node_modules/.installed

.PHONY: run test lint typecheck bench schema clean

$(INSTALLED): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed (python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

# The federation composition test uses Apollo's own npm package; skipped only where node is absent.
$(NODE_DEPS): tests/federation/package.json tests/federation/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/federation && npm ci --silent --no-audit --no-fund && touch node_modules/.installed; \
	else echo "npm not found: the federation composition test will be skipped"; fi

run: $(INSTALLED)
	$(BIN)/bigledger serve --with-worker

# One pytest worker per core (pytest-xdist): each starts its own embedded PostgreSQL, Redis and
# Celery worker, so the workers share nothing but the machine. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
test: $(INSTALLED) $(NODE_DEPS)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(INSTALLED)
	$(BIN)/python -m bench

schema: $(INSTALLED)
	$(BIN)/bigledger export-schema > schema.graphql

clean:
	rm -rf $(VENV) tests/federation/node_modules
