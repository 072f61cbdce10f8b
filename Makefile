# 聘任通 — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo lint smoke browser bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_duty_targets --instantiate
	$(BIN)/python manage.py load_assessment_demo
	$(BIN)/python manage.py load_demotion_demo
	$(BIN)/python manage.py load_round_demo

## Start the site on the embedded default (SQLite, Celery eager) with the demo data.
run: demo
	@echo "聘任通: http://$(HOST):$(PORT)/  (demo users are listed above)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

## The full suite: lint, migrations check, every test (PostgreSQL when DATABASE_URL is set).
test: lint
	$(BIN)/pytest

## The quick pass on the embedded SQLite default.
smoke: install
	env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL $(BIN)/pytest -m smoke -q

browser: install
	$(BIN)/pytest -m browser

## Issue 9: every benchmark against the generated province (PostgreSQL pr_province, 300,000 staff;
## the set is built once, then reused) → bench/RESULTS.md.  bench-quick: 1/100 scale → bench/RESULTS-quick.md.
bench: install
	$(BIN)/python bench/run_all.py --scale 1.0 --db pr_province --reuse

bench-quick: install
	$(BIN)/python bench/run_all.py --scale 0.01 --db pr_province_quick

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts
