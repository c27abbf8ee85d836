# Kouan — the two commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The data directory is ./data: kouan.toml says so, for make and for every `kouan` command run
# here or below (a KOUAN_DATA_DIR set in the environment still wins).

.PHONY: run test install install-test browser-deps lint demo serve bench clean

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

# The browser tests (tests/browser) drive Debian's Chromium through Playwright, never a downloaded
# browser; a Chinese font makes their screenshots readable. Installed with apt-get when missing
# (as root, else with sudo); without either, stop and say what to install.
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else \
	  echo "error: the browser tests need $(BROWSER_PACKAGES); run \`apt-get install -y $(BROWSER_PACKAGES)\` as root" >&2; \
	  exit 1; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "error: the browser tests need Chromium at /usr/bin/chromium and a Chinese font, and there is no apt-get" \
	       "here to install $(BROWSER_PACKAGES); install them, or set KOUAN_TEST_CHROMIUM to a Chromium binary" >&2; \
	  exit 1; fi; \
	echo "installing $(BROWSER_PACKAGES) for the browser tests (apt-get)"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	  { $$sudo apt-get update -q >/dev/null && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; } || \
	  { echo "error: could not install $(BROWSER_PACKAGES) with apt-get" >&2; exit 1; }

## The first command: install, migrate, load the demo and serve on http://127.0.0.1:8000
run: install
	$(BIN)/kouan db upgrade
	$(BIN)/kouan demo
	$(BIN)/kouan serve --host $(HOST) --port $(PORT)

## The second command: install and pass the tests (SQLite and PostgreSQL, and Chromium for tests/browser)
# The browser tests run in one process after the rest, so their live server and Chromium start once
# (xdist's --dist loadgroup does not group tests under pytest 9). --durations lists the slowest tests
# in every run's log: the whole CI must stay under 45 minutes.
test: install-test browser-deps lint
	$(BIN)/pytest -n 2 -q -m "not browser" --durations=30
	$(BIN)/pytest -q -m browser --durations=10

lint: install-test
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python -m bench

# The analytics benchmark (python -m bench.kpi) runs in its own environment: PM4Py, one of its
# baselines, is AGPL and must never be a dependency of Kouan. No system site packages.
BENCH_VENV ?= .venv-bench
PM4PY_VERSION ?= 2.7.23.11
$(BENCH_VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --upgrade pip
	$(BENCH_VENV)/bin/pip install -q -c constraints.txt -e . pm4py==$(PM4PY_VERSION)
	touch $@

.PHONY: bench-kpi
bench-kpi: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m bench.kpi $(BENCH_KPI_ARGS)

clean:
	rm -rf $(VENV) data test-artifacts .pytest_cache .ruff_cache
