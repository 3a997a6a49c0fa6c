# The README's two commands: `make serve` and `make test`. Everything installs from the lock
# (requirements*.txt, with hashes), made for the Python version in .python-version.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_VERSION := $(shell cat .python-version)
SERVE_STAMP := $(VENV)/.serve-installed
DEV_STAMP := $(VENV)/.dev-installed
PIP_INSTALL = $(BIN)/python -m pip install -q --disable-pip-version-check

.PHONY: serve test test-fast lint docs lock bench format clean virtuoso postgresql chromium python

python:
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; \
	  sys.exit(0 if v == "$(PY_VERSION)" else \
	  f"the lock is made for Python $(PY_VERSION); $(PYTHON) is Python {v} (set PYTHON=...)")'

$(VENV)/bin/python: | python
	$(PYTHON) -m venv $(VENV)

# The service alone: runtime dependencies only, no test or bench tools.
$(SERVE_STAMP): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PIP_INSTALL) --require-hashes --no-deps -r requirements.txt
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

$(DEV_STAMP): requirements-dev.txt pyproject.toml | $(VENV)/bin/python
	$(PIP_INSTALL) --require-hashes --no-deps -r requirements-dev.txt
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@ $(SERVE_STAMP)

# Style, types (strict on validate, store, report, settings...) and the import contracts of
# pyproject.toml: the layers import only downward, a package's _private modules stay inside it.
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The documentation site (mkdocs.yml, docs/): --strict fails on a broken link or a page not in nav.
docs: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site

# The service on the embedded store under ./var; the demo registry is loaded on first start.
HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(SERVE_STAMP)
	$(BIN)/nif serve --load-demo --host $(HOST) --port $(PORT)

# Debian packages the tests need: Virtuoso for the remote-store tests, Chromium for the pages.
APT_INSTALL = SUDO=; [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null || SUDO=sudo; \
	$$SUDO apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends

virtuoso:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || { \
	  $(APT_INSTALL) virtuoso-opensource; }

# PostgreSQL for the state back end's tests: they start their own server (tests/postgres.py).
postgresql:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { $(APT_INSTALL) postgresql; }

chromium:
	@[ -x /usr/bin/chromium ] || { $(APT_INSTALL) chromium; }

test: lint docs virtuoso postgresql chromium
	$(BIN)/pytest -n auto --cov=nif --cov-report=term:skip-covered

# The inner loop: the unit tests, without the `slow` ones (Virtuoso, Chromium, live servers, the
# CLI in a process of its own, the conformance sets; see tests/conftest.py). `make test` runs all.
test-fast: $(DEV_STAMP)
	$(BIN)/pytest -n auto -m "not slow"

# Refresh the lock from pyproject.toml and requirements/*.in, install it, then run the tests:
# an upgrade is a deliberate commit of requirements*.txt that passed them.
PIP_COMPILE = $(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-index-url --no-emit-find-links --upgrade
lock: $(DEV_STAMP)
	$(PIP_COMPILE) -o requirements.txt pyproject.toml requirements/build.in
	$(PIP_COMPILE) --extra test --extra bench -o requirements-dev.txt \
	  pyproject.toml requirements/build.in requirements/dev.in
	$(MAKE) test

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var
