# roadmapd: `make demo` shows the main job, `make test` runs everything.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup sysdeps lint format test unit bench demo clean protocol

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

sysdeps:
	bash scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix
	$(BIN)/ruff format

protocol: setup
	$(PY) -m roadmapd_protocol.generate

test: setup sysdeps lint
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run_all.py

demo: setup
	$(BIN)/roadmapd demo $(if $(REAL),--real,)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
