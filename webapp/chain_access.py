"""The portal's read access to the on-chain registry.

``carbonledger serve`` hands the app the registry it provisioned; otherwise the app
opens the installation's recorded registry on first use, without starting a node. When
the chain cannot be reached the pages still verify signatures, hashes and inclusion, and
say that the on-chain check could not be made, rather than failing the page.
"""

from __future__ import annotations

from typing import cast

from flask import current_app

from ledger.chain import CheckpointRegistryClient, connect, open_registry
from ledger.chain.errors import ChainError
from ledger.verification import CachedCheckpointReader, CheckpointReader

_KEY = "registry"


def checkpoint_reader() -> CheckpointReader | None:
    """The registry reader for this installation, or None when no chain is reachable."""
    try:
        return _cached_reader()
    except (ChainError, OSError):
        return None


def registry() -> CheckpointRegistryClient:
    """The registry client itself, for what a checkpoint reader does not say (chain health).

    Raises :class:`ChainError` (or ``OSError``) saying why no chain or registry can be reached.
    """
    return cast(CheckpointRegistryClient, _cached_reader().reader)


def _cached_reader() -> CachedCheckpointReader:
    state = current_app.extensions["carbonledger"]
    if state.get(_KEY) is None:
        config = state["config"]
        state[_KEY] = CachedCheckpointReader(open_registry(config, connect(config, start_node=False)))
    return state[_KEY]
