"""Tests of ledger.chain: compile, reverts, the registry on eth-tester, anvil and a Hardhat node."""
