# Two commands for a fresh Linux machine:
#   make run    set up .venv if needed, run the shipped scenarios on the built-in Da'an data
#   make test   same set-up, then the whole test suite
# Conda users: `conda env create -f environment.yml && conda activate fupin-sim`,
# then `make run VENV=$CONDA_PREFIX` (or call `fupin` and `pytest` directly).

PYTHON ?= $(shell command -v python3.12 || command -v python3 || command -v python)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.fupin-installed
SCENARIOS := $(sort $(wildcard scenarios/*.yaml))
OUT ?= results

.PHONY: run test bench setup clean

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
	@for scenario in $(SCENARIOS); do \
	  name=$$(basename $$scenario .yaml); \
	  $(BIN)/fupin run $$scenario --out $(OUT)/$$name || exit 1; echo; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
