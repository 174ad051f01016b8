# riskoff: one set of commands, the same locally and in CI.
#   make demo   create the environment, load data, run the main job
#   make test   create the environment, then lint, type-check and run the tests
#   make check  lint + types + tests (environment assumed)
#   make evaluate  regenerate docs/evaluation.md (riskoff evaluate over every built-in set)
#                  and refit src/riskoff/data/calibration.json (the verdict's confidence)
#   make calibrate  refit only src/riskoff/data/calibration.json (after a diagnosis change)
#   make bench  benchmarks of every hot path (prints a table, writes docs/benchmarks.md)

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
RISKOFF_DATA ?=
PYTEST_ARGS ?=

.PHONY: venv test check lint format types unit demo bench evaluate calibrate browser clean

venv: $(VENV)/.installed

PLUGIN := tests/plugins/riskoff_testplugin

$(VENV)/.installed: requirements.lock pyproject.toml $(PLUGIN)/pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(PY) -q --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install --python $(PY) -q --no-deps -e .
	@# a toy plugin (a demo: provider and a check) that the suite discovers and tests
	$(BIN)/uv pip install --python $(PY) -q --no-deps -e $(PLUGIN)
	@# bytecode up front: start-up stays fast even where PYTHONDONTWRITEBYTECODE is set
	@$(PY) -m compileall -q src >/dev/null
	@touch $@

test: venv browser
	@scripts/check

check: venv
	@scripts/check

lint: venv
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

format: venv
	$(BIN)/ruff format src tests scripts
	$(BIN)/ruff check --fix src tests scripts

types: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest $(PYTEST_ARGS)

browser:
	@scripts/ensure-chromium

demo: venv
	@scripts/demo

bench: venv
	$(PY) scripts/bench.py

evaluate: venv
	$(PY) scripts/write_evaluation.py

calibrate: venv
	$(BIN)/riskoff evaluate --calibrate --save src/riskoff/data/calibration.json

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build dist
