"""The per-app services every view uses, typed, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from ledger.config import Config
from ledger.custodial_keys import CustodialKeys
from ledger.order_cache import OrderCache
from ledger.service import Ledger
from webapp.accounts import Accounts

if TYPE_CHECKING:  # chain_access reads its state through this module
    from webapp.chain_access import RegistryAccess


def ledger() -> Ledger:
    return current_app.extensions["carbonledger"]["ledger"]


def custodial_keys() -> CustodialKeys:
    return current_app.extensions["carbonledger"]["custodial_keys"]


def accounts() -> Accounts:
    return current_app.extensions["carbonledger"]["accounts"]


def config() -> Config:
    return current_app.extensions["carbonledger"]["config"]


def chain() -> RegistryAccess:
    return current_app.extensions["carbonledger"]["chain"]


def order_cache() -> OrderCache:
    return current_app.extensions["carbonledger"]["order_cache"]
