"""The portal's read access to the on-chain registry.

``carbonledger serve`` hands the app the registry it provisioned; otherwise the app
opens the installation's recorded registry on first use, without starting a node. When
the chain cannot be reached the pages still verify signatures, hashes and inclusion, and
say that the on-chain check could not be made, rather than failing the page.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from ledger.chain import CheckpointRegistryClient, connect, open_registry
from ledger.chain.errors import ChainError
from ledger.config import Config
from ledger.verification import CachedCheckpointReader, CheckpointReader
from webapp import services


class RegistryAccess:
    """One app's registry reader, opened on first use and kept (no Flask needed, so the
    order cache can call :meth:`reader` from anywhere)."""

    def __init__(self, config: Config, registry: Any = None) -> None:
        self._config = config
        self._reader = CachedCheckpointReader(registry) if registry is not None else None
        self._lock = threading.Lock()

    def reader(self) -> CheckpointReader | None:
        """The registry reader for this installation, or None when no chain is reachable."""
        try:
            return self._cached()
        except (ChainError, OSError):
            return None

    def registry(self) -> CheckpointRegistryClient:
        """The registry client itself, for what a checkpoint reader does not say (chain health).

        Raises :class:`ChainError` (or ``OSError``) saying why no chain or registry can be reached.
        """
        return cast(CheckpointRegistryClient, self._cached().reader)

    def _cached(self) -> CachedCheckpointReader:
        with self._lock:
            if self._reader is None:
                self._reader = CachedCheckpointReader(open_registry(self._config,
                                                                    connect(self._config, start_node=False)))
            return self._reader


def checkpoint_reader() -> CheckpointReader | None:
    """This app's registry reader, or None when no chain is reachable."""
    return services.chain().reader()


def registry() -> CheckpointRegistryClient:
    """This app's registry client; raises :class:`ChainError` (or ``OSError``) when unreachable."""
    return services.chain().registry()
