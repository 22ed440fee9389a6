"""The per-app services every view uses, typed, in one place."""

from __future__ import annotations

from flask import current_app

from ledger.config import Config
from ledger.service import Ledger
from webapp.accounts import Accounts


def ledger() -> Ledger:
    return current_app.extensions["carbonledger"]["ledger"]


def accounts() -> Accounts:
    return current_app.extensions["carbonledger"]["accounts"]


def config() -> Config:
    return current_app.extensions["carbonledger"]["config"]



def anchored_size() -> int:
    """How many records the latest on-chain checkpoint covers (0 before the first)."""
    latest = ledger().latest_checkpoint()
    return latest.tree_size if latest else 0
