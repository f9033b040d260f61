# TradAI developer commands. `make run` and `make test` set everything up on a fresh machine
# (Python 3.11+, pip, make); once set up they do no network work.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
TEST_STAMP := $(VENV)/.synced-test
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
PACKAGE := layers/tradai/python/tradai
PY_SOURCES := layers tests functions benchmarks cdk

include cdk/cdk.mk

.PHONY: help setup test-setup run test lint format typecheck asl-check unit integration contract e2e bench bench-imports bench-first-request layer-deps clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# The runtime and dev tools; --inexact keeps groups a test setup added (no reinstall churn).
$(STAMP): pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --locked --inexact --python $(PYTHON) --all-extras
	@touch $@

# Tests also need the peers the parity tests compare against (bench) and the CDK libraries (cdk).
$(TEST_STAMP): $(STAMP)
	$(UV) sync --locked --inexact --python $(PYTHON) --all-extras --group bench --group cdk
	@touch $@

setup: $(STAMP) ## Create .venv from uv.lock (installs uv if missing)

test-setup: $(TEST_STAMP) ## Also install what the tests compare against

run: setup ## Set up and serve TradAI locally on http://127.0.0.1:8000
	$(BIN)/tradai serve

# pytest-xdist: one worker per core (TEST_WORKERS=4 for more; plain `pytest` runs serially).
# loadfile keeps a file's tests on one worker, so module-scoped fixtures (a server, a registry) are
# built once; tests/conftest.py spreads the fuzz cases, which share nothing.
TEST_WORKERS ?= auto

test: test-setup lint typecheck asl-check ## Set up and run every check: ruff, mypy, asl-validator, pytest (parallel)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: setup ## ruff lint and format check
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)

format: setup ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix $(PY_SOURCES)
	$(BIN)/ruff format $(PY_SOURCES)

typecheck: setup ## mypy --strict on the package
	$(BIN)/mypy

# The npm asl-validator, installed once from statemachines/package-lock.json; later runs are offline.
ASL_VALIDATOR := statemachines/node_modules/.bin/asl-validator
$(ASL_VALIDATOR): statemachines/package.json statemachines/package-lock.json
	npm ci --prefix statemachines --no-audit --no-fund
	@touch $@

asl-check: $(ASL_VALIDATOR) ## Validate the Step Functions definitions (statemachines/*.asl.json)
	@for definition in statemachines/*.asl.json; do $(ASL_VALIDATOR) --json-path $$definition || exit 1; done

unit integration contract e2e: setup ## Run one test folder
	$(BIN)/pytest tests/$@

bench-imports: setup ## Cold import time of each Lambda handler
	$(BIN)/python benchmarks/cold_import.py

bench-first-request: test-setup ## A SnapStart function's first request after a restore, primed or not
	$(BIN)/python benchmarks/first_request.py

bench: test-setup ## Engine speed against vectorbt and backtesting.py (ratios from one run)
	$(BIN)/python benchmarks/engine.py

layer-deps: setup ## Regenerate the Lambda layer's third-party requirements from uv.lock
	$(UV) export --locked --no-dev --no-emit-project --no-hashes --format requirements-txt -o layers/deps/requirements.txt >/dev/null

clean: ## Remove the virtualenv and caches (keeps .tradai data)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache cdk.out build/layer node_modules statemachines/node_modules
