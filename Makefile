# roadmapd: `make demo` shows the main job, `make test` runs everything.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup sysdeps lint format test bench demo clean protocol vsix extension-test editor-deps

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

# The VS Code extension: strict TypeScript, esbuild bundle, `vsce package` -> extension/*.vsix.
vsix:
	cd extension && npm ci --no-audit --no-fund --loglevel=error && npm run build && npm run package

extension-test: vsix
	cd extension && npm test && npm run lint

# code-server, Node 24, Chromium and playwright-core for the VS Code end-to-end test, cached
# outside the repository (${ROADMAPD_CACHE:-~/.cache/roadmapd}).
editor-deps:
	bash tests/editors/vscode/setup.sh

test: setup sysdeps lint extension-test editor-deps
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run_all.py

demo: setup
	$(BIN)/roadmapd demo $(if $(REAL),--real,)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info extension/out extension/node_modules
