# Every target creates and uses .venv; nothing is installed outside it except
# Debian's chromium for the browser tests (`make test`), Debian's nginx for
# `make serve` (and its test), and axe-core into node_modules/ (npm ci, for `make test`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# `make serve`: app processes behind nginx (one per core by default), and nginx's address.
REPLICAS ?= $(shell nproc 2>/dev/null || echo 2)
ADDRESS ?= 0.0.0.0

.PHONY: run serve loadtest test lint format bench screenshots validate clean install install-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.port=$(PORT)

# REPLICAS app processes behind nginx on PORT, sticky sessions, until Ctrl-C / SIGTERM
# (referral/deploy.py; the README says how it grows to several machines).
serve: $(VENV)/.installed /usr/sbin/nginx
	exec $(PY) -m referral serve --replicas $(REPLICAS) --port $(PORT) --address $(ADDRESS)

# Simulated users tapping the pain map over Streamlit's protocol, against one app process and
# the replicated deployment (scripts/loadtest.py; figures in docs/performance.md). Not part of
# `make test`: it takes minutes and both cores.
USERS ?= 10,25,50,100,150
DURATION ?= 20
loadtest: $(VENV)/.installed /usr/sbin/nginx
	$(PY) scripts/loadtest.py --users $(USERS) --seconds $(DURATION) --replicas $(REPLICAS)

/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

/usr/sbin/nginx:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq nginx; fi

# Tools from the npm registry, pinned by package-lock.json: axe-core (WCAG checks in the
# browser tests) and ESLint (make lint, eslint.config.mjs).
NODE_TOOLS := node_modules/.installed
$(NODE_TOOLS): package.json package-lock.json /usr/bin/npm
	npm ci --no-audit --no-fund
	touch $@

/usr/bin/npm:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq npm; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq npm; fi

test: $(VENV)/.installed-test /usr/bin/chromium /usr/sbin/nginx $(NODE_TOOLS)
	$(PY) -m pytest

lint: $(VENV)/.installed-test $(NODE_TOOLS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy referral scripts
	node_modules/.bin/eslint referral/app

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Core timings, then the app beside a one-button floor app in headless Chromium.
bench: $(VENV)/.installed-test /usr/bin/chromium
	$(PY) scripts/bench.py
	PYTHONPATH=tests $(PY) scripts/bench_browser.py

validate: $(VENV)/.installed
	$(PY) -m referral validate

screenshots: $(VENV)/.installed-test /usr/bin/chromium
	PYTHONPATH=tests $(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis node_modules
