# roadmapd: `make demo` shows the main job, `make test` runs everything.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3
# The lock: exact versions with hashes for every platform (uv's universal resolution).
LOCK := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
UV_VERSION := 0.13.9
TOOLS := .venv-tools
LATEST := .venv-latest

.PHONY: setup sysdeps lint format test test-latest lock bench demo clean protocol vsix extension-test editor-deps dist

setup: $(VENV)/.installed

# CI and `make setup` install exactly what the lock says; pyproject.toml keeps ranges.
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $@

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==$(UV_VERSION)

# Refresh the lock after changing dependencies in pyproject.toml (newest versions in range).
lock: $(TOOLS)/bin/uv
	$(TOOLS)/bin/uv pip compile pyproject.toml requirements/build.in --extra dev --universal \
		--python-version 3.11 --generate-hashes --upgrade -q -o $(LOCK)
	$(TOOLS)/bin/uv pip compile pyproject.toml --universal \
		--python-version 3.11 --generate-hashes --upgrade -q -o $(RUNTIME_LOCK)

# Early warning, not part of CI: the suite against the newest versions pyproject.toml allows.
test-latest: sysdeps
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install -q --upgrade -e '.[dev]'
	$(LATEST)/bin/python -m pip list --format=freeze | grep -iE '^(anthropic|pygls|lsprotocol|gitpython|pydantic|platformdirs|httpx2)='
	$(LATEST)/bin/python -m pytest

sysdeps:
	bash scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix
	$(BIN)/ruff format

protocol: setup
	$(PY) -m roadmapd_protocol.generate

# The VS Code extension: strict TypeScript, esbuild bundle, roadmapd and its dependencies in
# extension/bundled/libs for TARGET (a VS Code platform: linux-x64, linux-arm64, darwin-x64,
# darwin-arm64, win32-x64, ...; wheels from requirements-runtime.lock for CPython 3.11-3.15),
# `vsce package --target` -> extension/roadmapd-$(TARGET)-<version>.vsix.
TARGET ?= linux-x64
BUNDLE_PYTHON ?= $(if $(wildcard $(PY)),$(PY),$(PYTHON))

vsix:
	cd extension && npm ci --no-audit --no-fund --loglevel=error && npm run build
	$(BUNDLE_PYTHON) extension/scripts/bundle_libs.py --target $(TARGET)
	cd extension && npm run package -- --target $(TARGET)

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
	bash scripts/system-deps.sh --demo
	$(BIN)/roadmapd demo $(if $(REAL),--real,)

# The sdist and the wheel in dist/, checked as PyPI checks them (tests/packaging/test_wheel.py
# builds them the same way, installs the wheel into a new venv and runs roadmapd from there).
dist: setup
	rm -rf dist
	$(PY) -m build --no-isolation --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) $(TOOLS) $(LATEST) .mypy_cache .ruff_cache .pytest_cache build dist *.egg-info extension/out extension/node_modules
