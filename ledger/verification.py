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
from ledger.key_facts import KeyLookup, key_lookup
from ledger.provenance import OrderView
from ledger.records.canonical import canonical_bytes
from ledger.records.envelope import Envelope
from ledger.records.ijson import MAX_DEPTH, check_ijson
from ledger.records.signing import b64url, from_b64url, key_id_for, verify_signature
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
    warnings: list[str] = field(default_factory=list)
    """What holds but must not read as plainly verified (a key reported compromised)."""

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "ok": self.ok, "anchored": self.anchored,
                "checks": [asdict(c) for c in self.checks], "warnings": list(self.warnings)}


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
    # -- readable: an envelope that cannot be re-canonicalised is a failed check, never a crash (RFC 7493)
    try:
        if not (isinstance(env.record, dict) and all(isinstance(v, str) for v in (env.key_id, env.signature,
                                                                                  env.received_at))):
            raise TypeError("the record must be an object and key_id, signature and received_at strings")
        check_ijson(env.to_dict(), max_depth=MAX_DEPTH + 1)
        computed = env.leaf_hash()
    except (TypeError, ValueError, RecursionError) as exc:
        verdict.add("readable", False, f"the envelope is not valid I-JSON, so it cannot be re-canonicalised: {exc}")
        return verdict
    # -- end readable
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
    _check_key_registration(verdict, bundle.get("key_registrations"), env, public, index, size, root)
    verdict.add("leaf hash", computed == leaf and env.seq == index,
                f"recomputed {computed.hex()}; bundle says {leaf.hex()}" + ("" if env.seq == index else
                                                                             f"; envelope seq {env.seq} != index {index}"))
    try:
        merkle.verify_inclusion(computed, index, size, proof, root)
        verdict.add("inclusion", True, f"leaf {index} is in the tree of size {size} with root {root.hex()}")
    except merkle.ProofError as exc:
        verdict.add("inclusion", False, str(exc))
    return verdict


def _check_key_registration(verdict: Verdict, registrations: Any, env: Envelope, public: bytes, index: int,
                            size: int, root: bytes) -> None:
    """The log registered the signing key to a participant before the record, under an operator key the log
    registered too: each registration's envelope is in the same tree as the record, and signed."""
    try:
        chain = [(reg["index"], Envelope.from_dict(reg["envelope"]), [_hex(h, "inclusion_proof")
                                                                     for h in reg["inclusion_proof"]])
                 for reg in registrations]
        if not chain:
            raise ValueError("no key registration")
        for reg_index, reg_env, proof in chain:
            merkle.verify_inclusion(reg_env.leaf_hash(), reg_index, size, proof, root)
        (first_index, first, _), signer = chain[0], chain[-1][1]
        record = first.record
        problems = []
        if record.get("kind") != "key" or record.get("action") != "register":
            problems.append("the first registration is not a key registration")
        if record.get("key_id") != env.key_id or record.get("public_key") != b64url(public):
            problems.append(f"it registers {record.get('key_id')}, not the signing key {env.key_id}")
        if first_index > index or (first_index == index and first.record != env.record):  # genesis registers itself
            problems.append(f"it comes after the record ({first_index} >= {index})")
        if signer.record.get("key_id") != signer.key_id:
            problems.append("the chain of registrations does not end at a self-registered (genesis) key")
        for (_, reg, _), (_, by, _) in zip(chain, [*chain[1:], chain[-1]]):
            signing_key = from_b64url(by.record["public_key"])
            if by.record.get("key_id") != reg.key_id or not verify_signature(
                    signing_key, canonical_bytes(reg.record), from_b64url(reg.signature)):
                problems.append(f"the registration at {reg.seq} is not signed by the key registered before it")
    except (KeyError, TypeError, ValueError, merkle.ProofError) as exc:
        verdict.add("key registration", False, f"the bundle does not prove the key was registered in the log: {exc}")
        return
    verdict.add("key registration", not problems, "; ".join(problems) or
                f"key {env.key_id} registered to {record.get('participant_id')} at record {first_index}, "
                f"before record {index}, by the operator key {signer.key_id} (both in the same tree)")


def verify_bundle(bundle: Mapping[str, Any], chain: CheckpointReader) -> Verdict:
    """Everything :func:`check_bundle_offline` checks, plus the checkpoint on chain."""
    verdict = check_bundle_offline(bundle)
    if any(c.name in ("format", "readable") for c in verdict.checks):
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


def verify_stored(ledger: Ledger, stored: StoredRecord, chain: CheckpointReader | None,
                  keys: KeyLookup | None = None) -> Verdict:
    """Verify a record from the store as an outsider would, for display.

    Anchored records are checked through their proof bundle against the registry on
    chain; records not yet anchored are checked against the log's current root and
    marked as awaiting anchoring. Nothing is taken from the store on trust: the leaf hash
    is recomputed from the stored envelope bytes and the signature from the key record.
    """
    from ledger.bundles import proof_of

    keys = keys or key_lookup(ledger)
    try:
        bundle, anchored = proof_of(ledger, stored, keys)
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
    facts = keys(stored.key_id)
    if facts.compromised_when(stored.received_at):
        verdict.warnings.append(f"signed with key {stored.key_id}, reported compromised since "
                                f"{facts.compromised_since.isoformat() if facts.compromised_since else '?'}")
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
    the chain could not be asked (signatures, hashes and inclusion were still checked).

    ``warnings`` are order-level facts that hold but must be said (an operator's
    correction); each verdict may carry its own (a key reported compromised).
    """

    chain_checked: bool
    records: tuple[tuple[StoredRecord, Verdict], ...]
    warnings: tuple[str, ...] = ()

    @property
    def all_verified(self) -> bool:
        return all(verdict.ok for _, verdict in self.records)

    @property
    def pending(self) -> list[int]:
        """Seqs of records not yet covered by an anchored checkpoint."""
        return [stored.seq for stored, verdict in self.records if verdict.anchored is False]

    @property
    def all_warnings(self) -> list[str]:
        return [*self.warnings, *(f"record {s.seq}: {w}" for s, v in self.records for w in v.warnings)]

    @property
    def state(self) -> str:
        """``failed``, ``warning``, ``pending`` or ``verified``, in that order of precedence."""
        if not self.all_verified:
            return "failed"
        if self.all_warnings:
            return "warning"
        if self.pending or not self.chain_checked:
            return "pending"
        return "verified"

    def sentence(self) -> str:
        """What was proven, in one sentence a shopper can read."""
        n = len(self.records)
        if self.state == "failed":
            failed = [v.subject for _, v in self.records if not v.ok]
            return (f"{len(failed)} of the {n} records of this order fail verification ({', '.join(failed[:3])}"
                    f"{', …' if len(failed) > 3 else ''}): what they say cannot be trusted.")
        base = f"All {n} records of this order were signed by parties entitled to write them and are unchanged"
        if self.state == "warning":
            return f"{base}, but: {'; '.join(self.all_warnings)}."
        if self.state == "pending":
            if not self.chain_checked:
                return f"{base}; the chain could not be reached just now, so their anchoring was not checked."
            return f"{base}; {len(self.pending)} of them are not anchored on chain yet (they will be shortly)."
        return f"{base}, and every one is anchored in a checkpoint the chain holds."

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "sentence": self.sentence(),
            "chain_checked": self.chain_checked,
            "all_verified": self.all_verified,
            "failed": [verdict.subject for _, verdict in self.records if not verdict.ok],
            "warnings": self.all_warnings,
            "records": [{"seq": s.seq, "kind": s.kind, **v.to_dict()} for s, v in self.records],
        }


def verify_order(ledger: Ledger, view: OrderView, chain: CheckpointReader | None) -> OrderVerification:
    """Verify every record of ``view`` (:func:`verify_stored` each).

    A chain that fails mid-way does not fail the order: everything is verified again
    without it and the result says the on-chain check could not be made.
    """
    records = view.all_records()
    keys = key_lookup(ledger)  # the order's few keys (and the operator's) read once, not per record
    try:
        verdicts = [verify_stored(ledger, stored, chain, keys) for stored in records]
    except ChainError:
        chain = None
        verdicts = [verify_stored(ledger, stored, None, keys) for stored in records]
    return OrderVerification(chain is not None, tuple(zip(records, verdicts)), tuple(operator_corrections(ledger, view)))


def operator_corrections(ledger: Ledger, view: OrderView) -> list[str]:
    """"corrected by the operator on DATE: reason", for each correction the operator made to another's record."""
    out = []
    for record_view in (*view.shipments, *view.delegations, *view.legs, *view.hubs, *view.others):
        for correction in record_view.corrections:
            if correction.participant_id == ledger.operator_id != record_view.stored.participant_id:
                out.append(f"record {record_view.stored.seq} was corrected by the operator on "
                           f"{correction.received_at:%Y-%m-%d}: {correction.record.get('reason', '')}")
    return out
