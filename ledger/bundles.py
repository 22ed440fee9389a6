"""Proof bundles: everything needed to check one record with nothing but a chain RPC.

A bundle carries the record's envelope, the signer's public key, the leaf hash, the
inclusion proof up to the first checkpoint that covers the record, and where that
checkpoint sits on chain. It also carries the log's own word on the key: the record that
registered it to its participant, and the record that registered the operator key which
signed that registration, each with its inclusion proof in the same tree. So
``ledger.verification.verify_bundle`` proves, with nothing but a chain RPC, that the key
belonged to that participant in the log before the record was signed; nobody needs our
database or our word. (Format 2: format 1 bundles carried no key proof.)
"""

from __future__ import annotations

from typing import Any

from ledger.errors import NotFoundError
from ledger.key_facts import KeyLookup, key_lookup
from ledger.records.signing import b64url
from ledger.service import Ledger, StoredRecord

BUNDLE_FORMAT = "carbonledger-proof-bundle/2"


class NotAnchoredError(NotFoundError):
    """The record exists but no on-chain checkpoint covers it yet."""


def build_bundle(ledger: Ledger, seq: int, stored: StoredRecord | None = None) -> dict[str, Any]:
    """The proof bundle of record ``seq``; raises :class:`NotAnchoredError` while pending.

    ``stored`` is the record when the caller has just read it (saves reading it again).
    """
    bundle, anchored = proof_of(ledger, stored or ledger.record(seq))
    if not anchored:
        raise NotAnchoredError(f"record {seq} is in the log but not anchored yet; try again after the next checkpoint")
    return bundle


def proof_of(ledger: Ledger, stored: StoredRecord, keys: KeyLookup | None = None) -> tuple[dict[str, Any], bool]:
    """The record's bundle and whether it is anchored.

    Anchored: up to the first checkpoint covering it, with where that checkpoint is on
    chain. Pending: the same shape without ``chain``, against the log's current root, which
    proves inclusion in the log but not yet anything on chain. Raises ``ValueError`` when
    the stored envelope no longer parses.
    """
    env = stored.envelope
    material = ledger.proof_material(stored.seq, env.key_id)
    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "envelope": env.to_dict(),
        "public_key": b64url(material.public_key),
        "leaf_hash": stored.leaf_hash.hex(),
        "index": stored.seq,
        "inclusion_proof": [p.hex() for p in material.inclusion_proof],
        "checkpoint": {"tree_size": material.tree_size, "root": material.root.hex()},
        "key_registrations": _key_registrations(ledger, keys or key_lookup(ledger), env.key_id, stored.seq,
                                                material.tree_size),
    }
    cp = material.checkpoint
    if cp is not None:
        bundle["chain"] = {
            "chain_id": cp.chain_id, "contract_address": cp.contract_address, "tx_hash": cp.tx_hash,
            "block_number": cp.block_number, "block_time": cp.block_time.isoformat(),
        }
    return bundle, cp is not None


def _key_registrations(ledger: Ledger, keys: KeyLookup, key_id: str, seq: int, tree_size: int) -> list[dict[str, Any]]:
    """The registration records of the signing key and of the key that signed that registration
    (the operator's, registered by itself at genesis), each with its inclusion proof in the
    tree of ``tree_size``; registrations after ``seq`` prove nothing and are left out."""
    out: list[dict[str, Any]] = []
    wanted = key_id
    for _ in range(2):
        registration = keys(wanted).registration
        if registration is None or registration.seq > seq or registration.seq >= tree_size:
            break
        _, proof = ledger.inclusion_proof(registration.seq, tree_size)
        out.append({"index": registration.seq, "envelope": registration.envelope.to_dict(),
                    "inclusion_proof": [p.hex() for p in proof]})
        if registration.key_id == wanted:  # self-registered: the chain of keys ends here
            break
        wanted = registration.key_id
    return out


def current_proof(ledger: Ledger, seq: int) -> dict[str, Any]:
    """What can be proven about record ``seq`` now: its bundle once anchored, else its log inclusion.

    The public download and the API serve this one shape, so a client reading either
    parses the same thing: the bundle of :func:`build_bundle`, or until a checkpoint
    covers the record ``{"anchored": false, ...}`` with the inclusion proof under the
    log's current root (checkable, but not yet against the chain). Raises
    :class:`~ledger.errors.NotFoundError` when there is no record ``seq``.
    """
    try:
        return build_bundle(ledger, seq)
    except NotAnchoredError:
        stored = ledger.record(seq)
        size, proof = ledger.inclusion_proof(seq)
        return {"anchored": False, "envelope": stored.envelope.to_dict(), "leaf_hash": stored.leaf_hash.hex(),
                "index": seq, "tree_size": size, "root": ledger.root(size).hex(),
                "inclusion_proof": [p.hex() for p in proof]}
