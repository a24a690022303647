# Grappe's task runner. `make demo` and `make test` are the two commands of the README.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(BIN)/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo shows the styled error pages: DEBUG is off unless asked (`make run DEBUG=1` to develop).
DEBUG ?= 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo run serve prod install install-test test test-fast lint fmt e2e messages bench load load-smoke ci clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements/constraints.txt
	$(PIP) install -q -c requirements/constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -c requirements/constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## demo: install, migrate an SQLite database under var/, load the demo cluster, serve it
demo: export GRAPPE_HOST = $(HOST)
demo: export GRAPPE_PORT = $(PORT)
demo: install
	$(BIN)/grappe migrate --noinput
	$(BIN)/grappe seed-demo
	@$(MAKE) --no-print-directory serve

## run: serve the existing database
run: install
	@$(MAKE) --no-print-directory serve

# The web server and one task worker (engine runs, emails); Ctrl-C stops both.
# Emails link to SITE_URL, which defaults to this host and port (settings.py).
serve: export GRAPPE_HOST = $(HOST)
serve: export GRAPPE_PORT = $(PORT)
serve: export DEBUG := $(DEBUG)
serve:
	@echo "Serving http://$(HOST):$(PORT)/ with a task worker  (Ctrl-C to stop)"
	@mkdir -p var; $(BIN)/grappe db_worker --no-reload > var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/grappe runserver $(HOST):$(PORT)

## prod: the production profile here: gunicorn, task workers, JSON logs (docs/deployment.md)
PROD_ENV ?= var/production.env
prod: install
	@mkdir -p var; test -s var/production-secret-key || (umask 077; $(PY) -c \
	  "import secrets; print(secrets.token_urlsafe(50))" > var/production-secret-key)
	@set -a; . deploy/local.env; if [ -f $(PROD_ENV) ]; then . $(PROD_ENV); fi; set +a; \
	  echo "Serving http://localhost:$${GRAPPE_BIND##*:}/ as in production (Ctrl-C to stop)"; \
	  $(BIN)/grappe serve-production

## test: lint, checks and the whole test suite (browser tests skip, with the reason, without chromium)
test: install-test lint
	GRAPPE_ENV=test $(BIN)/grappe makemigrations --check --dry-run
	GRAPPE_ENV=test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

## test-fast: the suite without the browser and crash tests
test-fast: install-test
	GRAPPE_ENV=test $(BIN)/pytest -n 2 -m "not e2e and not crash" $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff format --check grappe tests bench
	$(BIN)/ruff check grappe tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

fmt: install-test
	$(BIN)/ruff format grappe tests bench
	$(BIN)/ruff check --fix grappe tests bench

## messages: extract and compile the translation catalogues
messages: install
	cd grappe && ../$(BIN)/grappe makemessages -l fr --no-obsolete --no-location
	cd grappe && ../$(BIN)/grappe compilemessages

bench: install-test
	GRAPPE_ENV=test $(PY) -m bench.run

## load: the load bench on PostgreSQL (50 users, 5 minutes; bench/README.md "Load"); LOAD_ARGS to change it
load: install-test
	$(PIP) install -q -c requirements/constraints.txt -e '.[load]'
	$(PY) -m bench.load $(LOAD_ARGS)

## load-smoke: 5 users for 10 seconds, failing on any error (not on times)
load-smoke: install-test
	$(PIP) install -q -c requirements/constraints.txt -e '.[load]'
	$(PY) -m bench.load --users 5 --spawn-rate 5 --run-time 10s $(LOAD_ARGS)

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache
