# Jifen — `make run` to try it, `make test` to check it. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 3
JOBS ?= 2
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test test-fast lint bench install install-dev browser postgres db clean translations

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	scripts/make-venv.sh $(PYTHON) $(VENV)

$(VENV)/.runtime-installed: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $@ $(VENV)/.runtime-installed

instance/config.py:
	scripts/make-secret.sh $@

install: $(VENV)/.runtime-installed  ## create .venv with the runtime requirements
install-dev: $(VENV)/.dev-installed  ## add the test and lint requirements

db: $(VENV)/.runtime-installed instance/config.py  ## migrate the database; demo data if it is empty
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app demo-data --if-empty

run: db  ## set up on first run, then serve at http://127.0.0.1:5000
	@echo "Serving Jifen at http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	exec $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --no-control-socket \
	  --access-logfile - 'app:create_app()'

browser:  ## install Chromium and a CJK font for the browser tests, if missing
	scripts/ensure-browser.sh

postgres: $(VENV)/.dev-installed  ## make sure PostgreSQL answers at 127.0.0.1:5432
	scripts/ensure-postgres.sh $(BIN)/python

test: $(VENV)/.dev-installed browser postgres  ## the whole suite, browser tests included, on SQLite and PostgreSQL
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

test-fast: $(VENV)/.dev-installed  ## SQLite only, no browser: the quick inner loop
	JIFEN_TEST_DBS=sqlite $(BIN)/python -m pytest -n $(JOBS) -m 'not e2e' $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed  ## ruff and the layering contracts (import-linter, pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.dev-installed postgres  ## wrk on the city, SQLite and PostgreSQL → docs/benchmarks.md (BENCH_SCALE=small: quick)
	$(BIN)/python bench/run.py

clean:  ## remove caches and test output (keeps .venv and instance/)
	rm -rf .pytest_cache .ruff_cache test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

I18N_SOURCES := accounts audit core policy points redemption reports notifications volunteering community households notices templates app.py cli.py commands
translations: $(VENV)/.runtime-installed  ## extract strings, merge into the Chinese catalogue, compile it
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 \
	  -o translations/messages.pot $(I18N_SOURCES)
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l zh_Hans_CN --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations -l zh_Hans_CN
	@! grep -B1 -A1 '^msgstr ""$$' translations/zh_Hans_CN/LC_MESSAGES/messages.po | grep -q '^$$' \
	  || echo "Some strings have no translation yet: fill their msgstr in translations/zh_Hans_CN/LC_MESSAGES/messages.po and run make translations again."
