# claimstance: `make demo` trains, tracks, registers and scores; `make test` runs the tests.
# Each target sets up .venv itself on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MLFLOW_DISABLE_TELEMETRY := true
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SPARK_LOCAL_IP := 127.0.0.1

.PHONY: demo test validate install clean

# torch first, pinned: 2.13.0 is the CPU build on this machine kind's disk; anything that pulls
# torch later then finds it satisfied instead of fetching a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[transformer,serve,spark,dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/stance data validate datasets/kursk
	$(BIN)/stance train --config experiments/baseline.toml
	$(BIN)/stance score datasets/articles/sudzha-sample.txt

test: install
	$(BIN)/python -m pytest

validate: install
	$(BIN)/stance data validate datasets/kursk

clean:
	rm -rf $(VENV) mlruns mlflow.db .pytest_cache
