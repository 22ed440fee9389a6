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


