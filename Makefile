# Two commands set everything up:  make demo  and  make test  (both idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed

.PHONY: demo test install clean bench

install: $(PY_STAMP)

$(PY_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

test: install
	$(BIN)/pytest -q

demo: install
	$(BIN)/carbonledger demo

clean:
	rm -rf $(VENV) var node_modules
