# Two commands set everything up:  make demo  and  make test  (both idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test install browser clean bench

install: $(PY_STAMP)

$(PY_STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

# Solidity toolchain (solcjs, Hardhat) and the embedded anvil node, offline after this.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The portal's end-to-end tests drive Debian's Chromium; installed once, as root (CI is).
CHROMEDRIVER := /usr/bin/chromedriver

$(CHROMEDRIVER):
	@command -v apt-get >/dev/null || { echo "install chromium and chromium-driver to run the browser tests"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null

browser: $(CHROMEDRIVER)

test: install browser $(NODE_STAMP)
	npx --no-install hardhat test
	$(BIN)/pytest -q

demo: install
	$(BIN)/carbonledger demo

clean:
	rm -rf $(VENV) var node_modules
