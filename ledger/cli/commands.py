"""Imports every command module so each registers itself on ``ledger.cli.main``."""

from __future__ import annotations

from ledger.cli import admin, anchor, chain, footprint, log, model, submit  # noqa: F401
