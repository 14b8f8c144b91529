# Everyday targets. Only Python 3.11+ is needed: PostgreSQL and Redis are embedded
# (started under .data/) unless DATABASE_URL / REDIS_URL point at your own servers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PORT ?= 8000

.PHONY: run test bench bench-functions lint format messages manage shell clean-data

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

run: $(VENV)/.installed  ## start the whole portal with a demo company on http://127.0.0.1:8000
	$(PY) scripts/portal.py run

test: $(VENV)/.installed  ## the whole suite, lint, format check and migration check
	$(PY) scripts/portal.py test $(ARGS)

bench: $(VENV)/.installed  ## the portal served as in production, measured; e.g. make bench ARGS="--employees 5000"
	$(PY) scripts/portal.py bench $(ARGS)

bench-functions: $(VENV)/.installed  ## timings of single functions (imports, audits, rollups) inside pytest
	$(PY) scripts/portal.py bench-functions $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(VENV)/.installed  ## update every German catalogue (needs GNU gettext)
	$(PY) scripts/portal.py messages

manage: $(VENV)/.installed  ## e.g. make manage ARGS="createsuperuser"
	$(PY) scripts/portal.py manage $(ARGS)

clean-data:  ## remove the embedded databases and the mail log
	rm -rf .data
