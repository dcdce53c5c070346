# The two commands: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/evimap demo --out demo-output

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests benchmarks

format: install
	$(BIN)/ruff format src tests benchmarks

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
