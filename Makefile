# Two commands for a fresh Linux machine:
#   make run    set up .venv if needed, run the shipped scenarios on the built-in Da'an data
#   make test   same set-up (plus Chromium and a CJK font, see browser-deps), then the whole test suite:
#               unit tests, every notebook re-executed (nbval), the dashboard in headless Chromium
# Also: make dashboard (the notebooks as web pages, Voila, opening on a front page), make lab (JupyterLab).
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

.PHONY: run test lint format bench bench-sweep setup clean dashboard lab browser-deps docs docs-serve

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

test: $(STAMP) browser-deps lint docs
	$(BIN)/python -m pytest

# The same checks as .pre-commit-config.yaml: ruff's rules (pyproject.toml), ruff's formatting, and
# notebooks committed without outputs. `make format` applies the fixes ruff can make by itself.
LINTED := fupin_sim tests benchmarks notebooks $(wildcard docs/*.py)
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

# The notebooks as web pages, code hidden (Voila, localhost only): the address opens the front page
# (notebooks/00_start.ipynb, fupin_sim/workbench/dashboard.py), not Voila's file list; a browser opens on it.
dashboard: $(STAMP)
	@echo "Dashboards (Ctrl-C stops): open http://127.0.0.1:$(DASHBOARD_PORT)/ (the front page; ?lang=zh for 中文)"
	$(BIN)/python -m fupin_sim.workbench.dashboard notebooks --port=$(DASHBOARD_PORT) --Voila.ip=127.0.0.1 --strip_sources=True

# JupyterLab on the notebooks (the kernel is this environment's Python); open the URL it prints.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks --no-browser --port=$(LAB_PORT) --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root)

# The documentation site (mkdocs.yml, docs/): built into site/ with --strict, so a broken link, a
# missing page or a docstring that disagrees with its signature fails (make test builds it too).
DOCS_PORT ?= 8000
export NO_MKDOCS_2_WARNING := 1
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(DOCS_PORT)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

bench-sweep: $(STAMP)
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache site
