# planwatch: thin wrappers; the logic lives in src/planwatch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run serve stop bi test test-bi quick unit lint bench regenerate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set, every
# process would otherwise compile what it imports, each time it starts.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade uv
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install pinned dependencies

run: install ## a demo year end to end: warehouse, ingest through Airflow, marts, reports
	$(BIN)/planwatch run

serve: install ## the real service: Airflow's components over the warehouse, picking up files as they land
	$(BIN)/planwatch serve start

stop: install ## stop the service
	$(BIN)/planwatch serve stop

bi: install ## Superset with the dashboards of bi/ over the marts (prints their addresses)
	$(BIN)/planwatch bi start

test: install ## the whole test suite (unit, integration, DAGs, service); its time and slowest tests
	@start=$$(date +%s); status=0; $(BIN)/pytest --durations=15 || status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

test-bi: install ## the dashboards through a real Superset (installs it: minutes; outside make test)
	@start=$$(date +%s); status=0; $(BIN)/pytest -n0 tests/bi || status=$$?; \
	echo "make test-bi: $$(( $$(date +%s) - start )) s"; exit $$status

quick: install ## all but the tests that run Airflow (a few minutes): the loop of a working day
	$(BIN)/pytest -m "not airflow" --durations=10

unit: install ## the unit tests only (no database, no Airflow; under a minute)
	$(BIN)/pytest -q tests/unit

lint: install ## ruff on Python; sqlfluff (dbt templater) and dbt-score on the dbt project
	$(BIN)/ruff check src tests dags scripts
	$(BIN)/python scripts/lint_dbt.py

bench: install ## the benchmark: every measure beside its anchor, ratios at the end (scripts/benchmark.py)
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python scripts/benchmark.py $(ARGS)

regenerate: install ## rewrite the files derived from the specs (GX suites, vocab seeds, docs)
	$(BIN)/python -m planwatch.regenerate

clean: ## stop the service and the embedded database, remove runtime state and data
	-$(BIN)/planwatch serve stop
	-$(BIN)/planwatch bi stop
	-$(BIN)/planwatch db stop
	rm -rf .planwatch data
