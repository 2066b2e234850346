# Two commands for a fresh Linux machine:
#   make run    set up .venv if needed, run the shipped scenarios on the built-in Da'an data
#   make test   same set-up (plus Chromium and a CJK font, see browser-deps), then the whole test suite:
#               unit tests, every notebook re-executed (nbval), the dashboard in headless Chromium
# Also: make dashboard (the comparison and budget notebooks as a web page, Voila), make lab (JupyterLab).
# Conda users: `conda env create -f environment.yml && conda activate fupin-sim`,
# then `make run VENV=$CONDA_PREFIX` (or call `fupin` and `pytest` directly).

PYTHON ?= $(shell command -v python3.12 || command -v python3 || command -v python)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fupin-installed
SCENARIOS := $(sort $(wildcard scenarios/*.yaml))
OUT ?= results
DASHBOARD_PORT ?= 8866
LAB_PORT ?= 8888

.PHONY: run test lint format bench bench-sweep setup clean dashboard lab browser-deps

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { \
	  $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	    echo "fupin-sim needs Python 3.12 or newer; found $$($(PYTHON) --version 2>&1) at $(PYTHON)." \
	         "Install python3.12 or run: make PYTHON=/path/to/python3.12" >&2; exit 1; }; \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/fupin run $(SCENARIOS) --out $(OUT)

test: $(STAMP) browser-deps lint
	$(BIN)/python -m pytest

# The same checks as .pre-commit-config.yaml: ruff's rules (pyproject.toml), ruff's formatting, and
# notebooks committed without outputs. `make format` applies the fixes ruff can make by itself.
LINTED := fupin_sim tests benchmarks notebooks
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/nbstripout --keep-id --verify notebooks/*.ipynb

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

# Debian's Chromium (/usr/bin/chromium, driven by Playwright; no browser is ever downloaded by
# `playwright install`) and a CJK font. Installs only what is missing, with apt-get, as root
# (CI runs as root) or with passwordless sudo; otherwise says what to install and goes on (the
# browser test then skips, except where FUPIN_REQUIRE_BROWSER=1, as in .ci/run).
browser-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family | grep -q .; } || missing="$$missing fonts-noto-cjk"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; \
	else echo "note: not installed:$$missing; install with: sudo apt-get install -y$$missing" >&2; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "note: no apt-get here; install$$missing yourself" >&2; exit 0; fi; \
	echo "installing$$missing (apt-get)"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq$$missing >/dev/null

# The comparison (02) and budget (03) notebooks as web pages, code hidden (Voila, localhost only).
dashboard: $(STAMP)
	@echo "Dashboards (Ctrl-C stops):"
	@echo "  compare scenarios: http://127.0.0.1:$(DASHBOARD_PORT)/voila/render/02_compare_scenarios.ipynb"
	@echo "  tune budgets:      http://127.0.0.1:$(DASHBOARD_PORT)/voila/render/03_budget_tuning.ipynb"
	$(BIN)/voila notebooks --no-browser --port=$(DASHBOARD_PORT) --Voila.ip=127.0.0.1 --classic_tree=True --strip_sources=True

# JupyterLab on the notebooks (the kernel is this environment's Python); open the URL it prints.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks --no-browser --port=$(LAB_PORT) --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
