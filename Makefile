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

# The lookup benchmark drives the portal with Debian's wrk.
WRK := /usr/bin/wrk

$(WRK):
	@command -v apt-get >/dev/null || { echo "install wrk to run bench/bench_lookup.py"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null

test: install browser $(NODE_STAMP)
	$(BIN)/lint-imports
	npx --no-install hardhat test
	$(BIN)/pytest -q

# Sets up ./var (database, keys, demo data), anchors it on the embedded chain, verifies
# a proof bundle, then serves the portal with its anchoring worker (Ctrl+C stops it).
demo: install $(NODE_STAMP)
	$(BIN)/carbonledger demo
	$(BIN)/carbonledger serve --host 127.0.0.1 --port 5000

bench: install $(NODE_STAMP) $(WRK)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_merkle.py
	$(BIN)/python bench/bench_anchoring.py
	$(BIN)/python bench/bench_gas.py
	$(BIN)/python bench/bench_footprint.py
	$(BIN)/python bench/bench_estimator.py
	$(BIN)/python bench/bench_lookup.py

clean:
	-$(BIN)/carbonledger chain stop 2>/dev/null
	rm -rf $(VENV) var node_modules build artifacts cache
