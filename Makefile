# Kouan — the two commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export KOUAN_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test install install-test lint demo serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Runtime dependencies only: what `make run` needs.
$(VENV)/.installed-run: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

# Everything the tests need: dev tools and PySpark (the scale-out engine runs in the tests).
$(VENV)/.installed-test: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,spark]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

## The first command: install, migrate, load the demo and serve on http://127.0.0.1:8000
run: install
	$(BIN)/kouan db upgrade
	$(BIN)/kouan demo
	$(BIN)/kouan serve --host $(HOST) --port $(PORT)

## The second command: install and pass the tests (SQLite and PostgreSQL)
test: install-test lint
	$(BIN)/pytest -n 2 -q

lint: install-test
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
