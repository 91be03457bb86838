# Plaudit: `make run` serves the demo site from nothing; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Where links in e-mails and QR codes point: where `make run` serves, unless SITE_URL is given.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint fmt install migrate seed check-deploy bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@python=$$(bin/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@echo "Plaudit is starting on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	SITE_URL='$(SITE_URL)' $(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Two pytest-xdist workers, one a core: the browser tests alone take minutes. `PYTEST_ARGS=`
# runs in one process (what a debugger wants).
PYTEST_ARGS ?= -n 2
test: lint
	PLAUDIT_TESTING=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

# The benchmark (DESIGN §10) on its own database: `make bench BENCH_ARGS="--scale 0.1"`.
bench: install
	$(PY) -m bench $(BENCH_ARGS)

check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  DJANGO_ALLOWED_HOSTS=plaudit.example $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
