"""Chain health for operators: is the chain there, does it hold what the store says, is anchoring keeping up.

Read afresh for every admin page and ``GET /api/v1/admin/status``: these are the numbers an
operator looks at when something is wrong, so nothing is cached. An unreachable chain is
a finding, not a failure: the store's side is still reported, with the chain's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from web3.exceptions import Web3Exception

from ledger import anchoring
from ledger.anchoring import Lease
from ledger.chain.errors import ChainError
from ledger.chain.registry import Checkpoint as OnChainCheckpoint
from ledger.checkpoints import Checkpoint
from webapp import chain_access, services

LATE_MARGIN_SECONDS = 60.0
"""Slack on top of the anchoring max age before pending records count as late: the
anchoring worker looks every 2 s, and a step sends a transaction and waits for its
confirmations, which on a public chain takes a block or two (up to about 30 s)."""


@dataclass(frozen=True)
class ChainView:
    """What the chain answered."""

    chain_id: int
    registry_address: str
    latest_block: int
    checkpoint: OnChainCheckpoint | None


@dataclass(frozen=True)
class ChainHealth:
    """The chain's and the store's view of anchoring, side by side.

    ``agreement`` is ``"agree"``, ``"store behind"`` (the chain holds a newer checkpoint
    the anchorer has not recorded yet: it does on its next step), ``"disagree"`` (never
    repaired silently: see ``agreement_detail``) or ``"unknown"`` (no chain answer).
    """

    log_size: int
    log_root: bytes
    chain: ChainView | None
    chain_error: str | None
    store_checkpoint: Checkpoint | None
    agreement: str
    agreement_detail: str
    pending: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None
    max_age_seconds: float
    late: bool
    lease: Lease | None
    lease_live: bool

    @property
    def late_after_seconds(self) -> float:
        return self.max_age_seconds + LATE_MARGIN_SECONDS

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``GET /api/v1/admin/status`` (schema ``AdminChainHealth``)."""
        chain, cp, lease = self.chain, self.store_checkpoint, self.lease
        return {
            "log": {"size": self.log_size, "root": self.log_root.hex()},
            "chain": {
                "reachable": chain is not None, "error": self.chain_error,
                "chain_id": chain.chain_id if chain else None,
                "registry_address": chain.registry_address if chain else None,
                "latest_block": chain.latest_block if chain else None,
                "latest_checkpoint": None if chain is None or chain.checkpoint is None else {
                    "tree_size": chain.checkpoint.tree_size, "root": chain.checkpoint.root.hex()},
            },
            "store": {"latest_checkpoint": None if cp is None else {
                "tree_size": cp.tree_size, "root": cp.root.hex(), "chain_id": cp.chain_id,
                "contract_address": cp.contract_address, "tx_hash": cp.tx_hash, "block_number": cp.block_number}},
            "checkpoints": {"agreement": self.agreement, "detail": self.agreement_detail},
            "anchoring": {
                "pending": self.pending,
                "oldest_pending_at": self.oldest_pending_at.isoformat() if self.oldest_pending_at else None,
                "oldest_pending_age_seconds": self.oldest_pending_age_seconds,
                "max_age_seconds": self.max_age_seconds, "late_after_seconds": self.late_after_seconds,
                "late": self.late,
                "lease": None if lease is None else {
                    "holder": lease.holder, "expires_at": lease.expires_at.isoformat(), "live": self.lease_live},
            },
        }


def chain_health() -> ChainHealth:
    """Read the store, then the chain (whose failure is reported, not raised)."""
    ledger, now = services.ledger(), datetime.now(timezone.utc)
    size, anchored, oldest = anchoring.pending(ledger.engine)
    store_cp, lease = ledger.latest_checkpoint(), anchoring.current_lease(ledger.engine)
    chain, error = _read_chain()
    agreement, detail = compare_checkpoints(store_cp, chain)
    age = (now - oldest).total_seconds() if oldest is not None else None
    max_age = services.config().anchor_max_age_seconds
    return ChainHealth(
        log_size=size, log_root=ledger.root(size), chain=chain, chain_error=error, store_checkpoint=store_cp,
        agreement=agreement, agreement_detail=detail, pending=size - anchored, oldest_pending_at=oldest,
        oldest_pending_age_seconds=age, max_age_seconds=max_age,
        late=age is not None and age > max_age + LATE_MARGIN_SECONDS,
        lease=lease, lease_live=lease is not None and lease.expires_at > now,
    )


def _read_chain() -> tuple[ChainView | None, str | None]:
    try:
        registry = chain_access.registry()
        return ChainView(registry.chain_id, registry.address, registry.chain.block_number(),
                         registry.latest_checkpoint()), None
    except (ChainError, OSError, Web3Exception) as exc:  # the chain's own failures; anything else is a bug
        return None, str(exc) or type(exc).__name__


def compare_checkpoints(store: Checkpoint | None, chain: ChainView | None) -> tuple[str, str]:
    """(agreement, detail) of the store's latest checkpoint against the chain's (see :class:`ChainHealth`)."""
    if chain is None:
        return "unknown", "the chain cannot be read, so its checkpoint cannot be compared"
    on_chain = chain.checkpoint
    if store is not None and (store.chain_id, store.contract_address.lower()) != (
            chain.chain_id, chain.registry_address.lower()):
        return "disagree", (f"the store's latest checkpoint is on chain {store.chain_id} at {store.contract_address}, "
                            f"not this registry (chain {chain.chain_id} at {chain.registry_address})")
    if on_chain is None:
        if store is None:
            return "agree", "nothing anchored yet"
        return "disagree", f"the store records checkpoint {store.tree_size} but the registry holds none"
    if store is None or on_chain.tree_size > store.tree_size:
        return "store behind", (f"the registry holds checkpoint {on_chain.tree_size}, the store "
                                f"{store.tree_size if store else 'none'}; the anchorer records it on its next step")
    if on_chain.tree_size < store.tree_size:
        return "disagree", (f"the store records checkpoint {store.tree_size} but the registry's latest is "
                            f"{on_chain.tree_size}: is this the database the registry anchors?")
    if on_chain.root != store.root:
        return "disagree", (f"root mismatch at size {store.tree_size}: chain has {on_chain.root.hex()}, "
                            f"store has {store.root.hex()}")
    return "agree", f"both hold checkpoint {store.tree_size} with root {store.root.hex()[:16]}…"
