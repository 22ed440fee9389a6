"""The per-app services every view uses, typed, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from ledger.config import Config
from ledger.service import Ledger
from webapp.accounts import Accounts

if TYPE_CHECKING:  # order_cache itself reads the ledger through this module
    from webapp.public.order_cache import OrderCache


def ledger() -> Ledger:
    return current_app.extensions["carbonledger"]["ledger"]


def accounts() -> Accounts:
    return current_app.extensions["carbonledger"]["accounts"]


def config() -> Config:
    return current_app.extensions["carbonledger"]["config"]




def order_cache() -> OrderCache:
    return current_app.extensions["carbonledger"]["order_cache"]
