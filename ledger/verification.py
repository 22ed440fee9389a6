"""Checking records: a proof bundle against a chain, and the whole store against a chain.

Each check is reported separately (signature, leaf hash, inclusion, checkpoint on chain)
so a failure says exactly what does not hold. The pure part (:func:`check_bundle_offline`)
needs no network; the on-chain part asks the registry for the checkpoint at the bundle's
tree size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from ledger import merkle
from ledger.bundles import BUNDLE_FORMAT
from ledger.chain.errors import ChainError
from ledger.provenance import OrderView
from ledger.records.canonical import canonical_bytes
from ledger.records.envelope import Envelope
from ledger.records.signing import from_b64url, key_id_for, verify_signature
from ledger.service import Ledger, StoredRecord


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Verdict:
    """The outcome of verifying one record: every check, and whether all held."""

    subject: str
    checks: list[Check] = field(default_factory=list)
    anchored: bool | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "ok": self.ok, "anchored": self.anchored,
                "checks": [asdict(c) for c in self.checks]}


class _OnChain(Protocol):
    @property
    def root(self) -> bytes: ...


class CheckpointReader(Protocol):
    """The read side of the on-chain registry (``ledger.chain.CheckpointRegistryClient``)."""

    @property
    def chain_id(self) -> int: ...

    def checkpoint_by_size(self, tree_size: int) -> _OnChain | None:
        """The on-chain checkpoint of exactly ``tree_size``, or None."""
        ...


def chain_root(chain: CheckpointReader, tree_size: int) -> bytes | None:
    """Root the registry holds for ``tree_size``, or None."""
    checkpoint = chain.checkpoint_by_size(tree_size)
    return None if checkpoint is None else bytes(checkpoint.root)


def _hex(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a hex string")
    return bytes.fromhex(value)


def check_bundle_offline(bundle: Mapping[str, Any]) -> Verdict:
    """Signature, key id, leaf hash and inclusion: everything that needs no chain."""
    verdict = Verdict(subject=f"record {bundle.get('index', '?')}")
    try:
        if bundle.get("format") != BUNDLE_FORMAT:
            verdict.add("format", False, f"expected {BUNDLE_FORMAT!r}, got {bundle.get('format')!r}")
            return verdict
        env_dict = bundle["envelope"]
        env = Envelope(env_dict["record"], env_dict["key_id"], env_dict["signature"], env_dict["received_at"],
                       env_dict["seq"])
        public = from_b64url(bundle["public_key"])
        index = bundle["index"]
        leaf = _hex(bundle["leaf_hash"], "leaf_hash")
        proof = [_hex(p, "inclusion_proof") for p in bundle["inclusion_proof"]]
        size = bundle["checkpoint"]["tree_size"]
        root = _hex(bundle["checkpoint"]["root"], "checkpoint.root")
    except (KeyError, TypeError, ValueError) as exc:
        verdict.add("format", False, f"malformed bundle: {exc!r}")
        return verdict
    verdict.subject = f"record {index} ({env.record.get('kind', '?')})"
    verdict.add("key id", key_id_for(public) == env.key_id,
                f"public key hashes to {key_id_for(public)}; envelope names {env.key_id}")
    try:
        sig_ok = verify_signature(public, canonical_bytes(env.record), from_b64url(env.signature))
    except ValueError as exc:
        sig_ok, why = False, str(exc)
    else:
        why = "Ed25519 signature over the canonical record"
    verdict.add("signature", sig_ok, why if sig_ok else f"does not verify: {why}")
    computed = env.leaf_hash()
    verdict.add("leaf hash", computed == leaf and env.seq == index,
                f"recomputed {computed.hex()}; bundle says {leaf.hex()}" + ("" if env.seq == index else
                                                                             f"; envelope seq {env.seq} != index {index}"))
    try:
        merkle.verify_inclusion(computed, index, size, proof, root)
        verdict.add("inclusion", True, f"leaf {index} is in the tree of size {size} with root {root.hex()}")
    except merkle.ProofError as exc:
        verdict.add("inclusion", False, str(exc))
    return verdict


def verify_bundle(bundle: Mapping[str, Any], chain: CheckpointReader) -> Verdict:
    """Everything :func:`check_bundle_offline` checks, plus the checkpoint on chain."""
    verdict = check_bundle_offline(bundle)
    if any(c.name == "format" for c in verdict.checks):
        return verdict
    return check_on_chain(verdict, bundle, chain)


def check_on_chain(verdict: Verdict, bundle: Mapping[str, Any], chain: CheckpointReader) -> Verdict:
    """Add to ``verdict`` whether the bundle's checkpoint is the registry's on ``chain``."""
    expected_chain = bundle.get("chain", {}).get("chain_id")
    if expected_chain != chain.chain_id:
        verdict.add("chain", False, f"bundle names chain {expected_chain}, RPC serves chain {chain.chain_id}")
        return verdict
    size = bundle["checkpoint"]["tree_size"]
    root = bytes.fromhex(bundle["checkpoint"]["root"])
    on_chain = chain_root(chain, size)
    if on_chain is None:
        verdict.add("checkpoint on chain", False, f"the registry has no checkpoint of size {size}")
    else:
        verdict.add("checkpoint on chain", on_chain == root,
                    f"registry root at size {size} is {on_chain.hex()}; bundle root is {root.hex()}")
    return verdict


def verify_stored(ledger: Ledger, stored: StoredRecord, chain: CheckpointReader | None) -> Verdict:
    """Verify a record from the store as an outsider would, for display.

    Anchored records are checked through their proof bundle against the registry on
    chain; records not yet anchored are checked against the log's current root and
    marked as awaiting anchoring. Nothing is taken from the store on trust: the leaf hash
    is recomputed from the stored envelope bytes and the signature from the key record.
    """
    from ledger.bundles import proof_of

    try:
        bundle, anchored = proof_of(ledger, stored)
    except ValueError as exc:  # envelope bytes no longer parse: tampered
        verdict = Verdict(subject=f"record {stored.seq}")
        verdict.add("envelope", False, f"stored envelope is unreadable: {exc}")
        return verdict
    # Recompute from the raw stored bytes: a re-serialised envelope could hide an edit.
    verdict = check_bundle_offline(bundle)
    raw_leaf = merkle.leaf_hash(stored.envelope_bytes)
    if raw_leaf != stored.leaf_hash:
        verdict.add("stored bytes", False, f"stored envelope hashes to {raw_leaf.hex()}, not {stored.leaf_hash.hex()}")
    if anchored and chain is not None:
        verdict = check_on_chain(verdict, bundle, chain)
    verdict.anchored = anchored
    return verdict


class CachedCheckpointReader:
    """A :class:`CheckpointReader` that remembers checkpoints it has seen on chain.

    Safe because the registry is append-only: a checkpoint, once on chain, never changes,
    so a cached root is as good as a fresh read. Absences are not cached (a checkpoint
    may land a moment later). Bounded, so a long-running portal cannot grow without limit.
    """

    def __init__(self, reader: CheckpointReader, max_entries: int = 100_000) -> None:
        self.reader = reader
        self.max_entries = max_entries
        self._roots: dict[int, _Root] = {}

    @property
    def chain_id(self) -> int:
        return self.reader.chain_id

    def checkpoint_by_size(self, tree_size: int) -> _OnChain | None:
        hit = self._roots.get(tree_size)
        if hit is not None:
            return hit
        found = self.reader.checkpoint_by_size(tree_size)
        if found is not None:
            if len(self._roots) >= self.max_entries:
                self._roots.pop(next(iter(self._roots)))
            self._roots[tree_size] = _Root(bytes(found.root))
        return found


@dataclass(frozen=True)
class _Root:
    root: bytes


@dataclass(frozen=True)
class OrderVerification:
    """Every record an order view shows, each verified live; ``chain_checked`` False when
    the chain could not be asked (signatures, hashes and inclusion were still checked)."""

    chain_checked: bool
    records: tuple[tuple[StoredRecord, Verdict], ...]

    @property
    def all_verified(self) -> bool:
        return all(verdict.ok for _, verdict in self.records)

    @property
    def pending(self) -> list[int]:
        """Seqs of records not yet covered by an anchored checkpoint."""
        return [stored.seq for stored, verdict in self.records if verdict.anchored is False]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_checked": self.chain_checked,
            "all_verified": self.all_verified,
            "failed": [verdict.subject for _, verdict in self.records if not verdict.ok],
            "records": [{"seq": s.seq, "kind": s.kind, **v.to_dict()} for s, v in self.records],
        }


def verify_order(ledger: Ledger, view: OrderView, chain: CheckpointReader | None) -> OrderVerification:
    """Verify every record of ``view`` (:func:`verify_stored` each).

    A chain that fails mid-way does not fail the order: everything is verified again
    without it and the result says the on-chain check could not be made.
    """
    records = view.all_records()
    try:
        verdicts = [verify_stored(ledger, stored, chain) for stored in records]
    except ChainError:
        chain = None
        verdicts = [verify_stored(ledger, stored, None) for stored in records]
    return OrderVerification(chain is not None, tuple(zip(records, verdicts)))
