"""The portal's read access to the on-chain registry (None until a chain is configured)."""

from __future__ import annotations

from ledger.verification import CheckpointReader


def checkpoint_reader() -> CheckpointReader | None:
    """The registry reader for this installation, or None when no chain is deployed."""
    return None
