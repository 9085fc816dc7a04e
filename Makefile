PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test lint typecheck proto demo bench bench-short clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make test: create .venv if needed, then ruff, mypy --strict and pytest
test: lint typecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

## make proto: regenerate zeebe_router/_proto from proto/gateway.proto
proto: $(STAMP)
	$(BIN)/python scripts/gen_protos.py

## make bench: the full benchmark (medians of 3 runs, ~25 min); writes bench/results.md
bench: $(STAMP)
	$(BIN)/python -m bench.run

## make bench-short: one small run of every scenario, a smoke test for CI (< 2 min)
bench-short: $(STAMP)
	$(BIN)/python -m bench.run --short --output $${TMPDIR:-/tmp}/zeebe-router-bench-short.md

## make demo: create .venv if needed, then run 1,000 orders through examples/order_fulfillment
demo: $(VENV)/.installed-demo
	$(BIN)/python -m examples.order_fulfillment

$(VENV)/.installed-demo: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

clean:
	rm -rf $(VENV) build dist *.egg-info
