# The README's two commands: `make serve` (from the service issue on) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint bench format clean virtuoso chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The service on the embedded store under ./var; the demo registry is loaded on first start.
HOST ?= 127.0.0.1
PORT ?= 8000
serve: $(STAMP)
	$(BIN)/nif serve --load-demo --host $(HOST) --port $(PORT)

# Debian packages the tests need: Virtuoso for the remote-store tests, Chromium for the pages.
APT_INSTALL = SUDO=; [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null || SUDO=sudo; \
	$$SUDO apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends

virtuoso:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || { \
	  $(APT_INSTALL) virtuoso-opensource; }

chromium:
	@[ -x /usr/bin/chromium ] || { $(APT_INSTALL) chromium; }

test: lint virtuoso chromium
	$(BIN)/pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var
