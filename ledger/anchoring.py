"""Anchoring: put checkpoints of the log on chain, crash-safely and exactly once.

The chain is the source of truth. Each step starts by reading the registry's latest
checkpoint and reconciling the local ``checkpoints`` table with it, so an anchorer killed
at any point (before sending, after sending, after the transaction was mined but before
it was recorded) resumes by recording what the chain already holds and only then sends
the next extension. The contract refuses anything that is not an append-only extension of
its latest checkpoint, so a duplicate or stale send cannot corrupt it; a refusal of that
kind makes the anchorer re-read the chain and try again.

Only one anchorer works at a time, whatever the number of processes sharing the
database: it must hold the ``anchor_lease`` row (compare-and-set with an expiry).

Nothing is anchored unchecked: before each send, every record the checkpoint would add is
checked as the audit checks it (:mod:`ledger.anchor_guard`), and one that fails refuses
the whole checkpoint, ``--force`` or not.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger import checkpoints
from ledger.anchor_guard import AnchorRefusedError, check_new_leaves
from ledger.chain.errors import ChainUnavailableError, ContractRevert
from ledger.chain.registry import AnchorTx
from ledger.chain.registry import Checkpoint as OnChainCheckpoint
from ledger.checkpoints import AnchorLeaseRow, Checkpoint, CheckpointRow
from ledger.db import write_transaction
from ledger.merkle_store import MerkleStore
from ledger.tables import RecordRow

log = logging.getLogger(__name__)

LEASE_NAME = "anchorer"
LEASE_SECONDS = 120.0
"""Default lease: longer than one anchoring step takes (a transaction and its
confirmations) on any chain we target, short enough that a killed anchorer is replaced
within two minutes. ``CARBONLEDGER_ANCHOR_LEASE`` changes it."""


class RegistryClient(Protocol):
    """What anchoring needs of the on-chain registry (``ledger.chain.CheckpointRegistryClient``)."""

    @property
    def chain_id(self) -> int: ...

    @property
    def address(self) -> str: ...

    def latest_checkpoint(self) -> OnChainCheckpoint | None: ...

    def append_checkpoint(self, tree_size: int, root: bytes, proof: list[bytes], uri: str = "") -> AnchorTx: ...

    def find_append(self, tree_size: int) -> AnchorTx | None: ...


STALE_EXTENSION_ERRORS = frozenset({"CheckpointRegistryNotExtension", "CheckpointRegistryInvalidConsistencyProof"})
"""Refusals that mean the registry's latest checkpoint moved since we read it (a send of
a killed predecessor got mined): reconcile and extend from the new latest."""


@dataclass(frozen=True)
class AnchorPolicy:
    """When to anchor: ``batch_size`` records pending, or the oldest waiting ``max_age``."""

    batch_size: int = 1000
    max_age_seconds: float = 30.0


@dataclass(frozen=True)
class AnchorResult:
    anchored: Checkpoint | None
    recovered: list[Checkpoint]
    pending: int
    reason: str


@dataclass(frozen=True)
class Lease:
    """Who last took the anchoring lease, and until when (once past, anyone may take it)."""

    holder: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def pending(engine: Engine) -> tuple[int, int, datetime | None]:
    """(log size, anchored size, received time of the oldest unanchored record)."""
    with engine.connect() as conn:
        size = MerkleStore(conn).size()
        last = checkpoints.latest(conn)
        anchored = last.tree_size if last else 0
        oldest = None
        if size > anchored:
            oldest = conn.execute(select(RecordRow.received_at).where(RecordRow.seq == anchored)).scalar()
    return size, anchored, None if oldest is None else _utc(oldest)


def current_lease(engine: Engine) -> Lease | None:
    """The anchoring lease as it stands, for status pages; None if no anchorer ever ran."""
    with engine.connect() as conn:
        row = conn.execute(select(AnchorLeaseRow.holder, AnchorLeaseRow.expires_at)
                           .where(AnchorLeaseRow.name == LEASE_NAME)).first()
    return None if row is None else Lease(row.holder, _utc(row.expires_at))


class Anchorer:
    """Anchors one ledger database to one registry."""

    def __init__(self, engine: Engine, registry: RegistryClient, policy: AnchorPolicy | None = None,
                 clock: Callable[[], datetime] = _now, holder: str | None = None,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        self.engine = engine
        self.registry = registry
        self.policy = policy or AnchorPolicy()
        self.clock = clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.lease_seconds = lease_seconds

    # -- the lease ----------------------------------------------------------------
    def acquire_lease(self) -> bool:
        """Take or renew the lease; False if another live anchorer holds it."""
        now = self.clock()
        until = now + timedelta(seconds=self.lease_seconds)
        with write_transaction(self.engine) as conn:
            taken = conn.execute(
                update(AnchorLeaseRow)
                .where(AnchorLeaseRow.name == LEASE_NAME)
                .where((AnchorLeaseRow.holder == self.holder) | (AnchorLeaseRow.expires_at < now))
                .values(holder=self.holder, expires_at=until)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(select(AnchorLeaseRow.name).where(AnchorLeaseRow.name == LEASE_NAME)).first()
            if exists:
                return False
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(AnchorLeaseRow).values(name=LEASE_NAME, holder=self.holder, expires_at=until))
            return True
        except IntegrityError:
            return False

    def release_lease(self) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(AnchorLeaseRow)
                .where(AnchorLeaseRow.name == LEASE_NAME, AnchorLeaseRow.holder == self.holder)
                .values(expires_at=self.clock() - timedelta(seconds=1))
            )

    # -- state ----------------------------------------------------------------------
    def pending(self) -> tuple[int, int, datetime | None]:
        """(log size, anchored size, received time of the oldest unanchored record)."""
        return pending(self.engine)

    def reconcile(self) -> list[Checkpoint]:
        """Record every checkpoint the chain holds that the database does not yet.

        Walks back from the chain's latest checkpoint through the registry's events; a
        checkpoint on chain whose root differs from our log's root at that size means
        the log and the chain disagree, which is never repaired silently.
        """
        latest = self.registry.latest_checkpoint()
        if latest is None:
            return []
        with self.engine.connect() as conn:
            known = checkpoints.latest(conn)
            store = MerkleStore(conn)
            if known is not None and known.tree_size >= latest.tree_size:
                return []
            if latest.tree_size > store.size():
                raise RuntimeError(
                    f"the registry holds a checkpoint of size {latest.tree_size} but the log has only "
                    f"{store.size()} records: this database is not the one the registry anchors"
                )
            ours = store.root(latest.tree_size)
        if ours != latest.root:
            raise RuntimeError(
                f"root mismatch at size {latest.tree_size}: chain has {latest.root.hex()}, log has {ours.hex()}"
            )
        tx = self.registry.find_append(latest.tree_size)
        if tx is None:
            raise RuntimeError(f"registry holds size {latest.tree_size} but no append event was found for it")
        cp = self._record(latest.tree_size, latest.root, tx)
        return [cp]

    def _record(self, size: int, root: bytes, tx: AnchorTx) -> Checkpoint:
        cp = Checkpoint(size, root, self.registry.chain_id, self.registry.address, tx.tx_hash, tx.block_number,
                        tx.block_time)
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(CheckpointRow).values(
                    tree_size=size, root=root, chain_id=cp.chain_id, contract_address=cp.contract_address,
                    tx_hash=tx.tx_hash, block_number=tx.block_number, block_time=tx.block_time,
                    recorded_at=self.clock(),
                ))
        except IntegrityError:
            pass  # recorded concurrently by a previous holder of the lease: same facts
        return cp

    # -- one step -------------------------------------------------------------------
    def due(self, size: int, anchored: int, oldest: datetime | None) -> str | None:
        """Why an anchor is due now, or None."""
        waiting = size - anchored
        if waiting <= 0:
            return None
        if waiting >= self.policy.batch_size:
            return f"{waiting} records pending (batch size {self.policy.batch_size})"
        if oldest is not None and (self.clock() - oldest).total_seconds() >= self.policy.max_age_seconds:
            return f"oldest pending record waited {(self.clock() - oldest).total_seconds():.0f} s"
        return None

    def step(self, force: bool = False) -> AnchorResult:
        """Reconcile, then anchor the current log if due (or ``force``).

        Raises :class:`~ledger.anchor_guard.AnchorRefusedError`, anchoring nothing, if any
        record to be anchored fails its checks (:func:`~ledger.anchor_guard.check_new_leaves`).
        """
        if not self.acquire_lease():
            size, anchored, _ = self.pending()
            return AnchorResult(None, [], size - anchored, "another anchorer holds the lease")
        recovered = self.reconcile()
        size, anchored, oldest = self.pending()
        reason = "forced" if force and size > anchored else self.due(size, anchored, oldest)
        if reason is None:
            return AnchorResult(None, recovered, size - anchored, "nothing due")
        check_new_leaves(self.engine, anchored, size)  # raises AnchorRefusedError; ``force`` does not skip it
        with self.engine.connect() as conn:
            store = MerkleStore(conn)
            root = store.root(size)
            proof = store.consistency_proof(anchored, size) if anchored else []
        try:
            tx = self.registry.append_checkpoint(size, root, proof, "")  # a URI would cost ~22k gas and say nothing new
        except ContractRevert as exc:
            if exc.name not in STALE_EXTENSION_ERRORS:
                raise
            # The chain moved under us (a transaction of a killed predecessor got mined):
            # record what it holds; the next step extends from there.
            return AnchorResult(None, recovered + self.reconcile(), size - anchored, "chain moved; reconciled")
        cp = self._record(size, root, tx)
        log.info("anchored size %d root %s in tx %s", size, root.hex(), tx.tx_hash)
        return AnchorResult(cp, recovered, 0, reason)

    def watch(self, interval: float = 2.0, stop: Callable[[], bool] = lambda: False) -> None:
        """Anchor whenever due until ``stop()``; chain outages leave records pending.

        A refusal (:class:`~ledger.anchor_guard.AnchorRefusedError`) is logged at CRITICAL
        when it first appears or changes, not every ``interval``, and the loop goes on:
        nothing is anchored until the bad records are dealt with, and records stay pending.
        The lease is released on the way out, so a successor need not wait for it to expire.
        """
        refused: str | None = None
        try:
            while not stop():
                try:
                    self.step()
                    refused = None
                except ChainUnavailableError as exc:
                    log.warning("chain unavailable, records stay pending: %s", exc)
                except AnchorRefusedError as exc:
                    if str(exc) != refused:
                        log.critical("anchoring refused, nothing anchored: %s", exc)
                    refused = str(exc)
                time.sleep(interval)
        finally:
            self.release_lease()
