# Storyloop: `make run` serves the site with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
# Mailed links are built on SITE_URL: by default they lead to the port `make run` serves. An operator's own
# SITE_URL (in the environment or on the command line) wins, as ?= leaves a variable that is already set.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test test-postgres lint venv dev-venv chromium clean translations-extract translations-update \
        translations-compile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.requirements

venv: $(VENV)/.requirements
dev-venv: $(VENV)/.requirements-dev

# Debian's Chromium for the browser tests (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

run: venv translations-compile
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo "Storyloop on http://127.0.0.1:$(PORT), mailed links to $(SITE_URL)  (mail is written to instance/mail/ unless SMTP_HOST is set; Ctrl-C stops)"
	@trap 'kill 0' INT TERM EXIT; \
	  SITE_URL='$(SITE_URL)' $(FLASK) outbox work & \
	  SITE_URL='$(SITE_URL)' $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - wsgi:app & \
	  wait

test: dev-venv chromium translations-compile
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test-postgres: dev-venv chromium translations-compile
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Translations (Flask-Babel; the workflow for a new language is in README.md). extract: every marked string into
# translations/messages.pot; update: merge it into each language's .po; compile: the .mo files the site reads
# (not kept in git: `make run` and `make test` compile them).
translations-extract: venv
	$(BIN)/pybabel --quiet extract -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 -k N_ --no-location \
	  --sort-output --project=Storyloop --copyright-holder="Storyloop contributors" -o translations/messages.pot .

translations-update: translations-extract
	$(BIN)/pybabel --quiet update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

translations-compile: venv
	$(BIN)/pybabel --quiet compile -d translations

lint: dev-venv
	$(BIN)/ruff check app tests config.py wsgi.py
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache
