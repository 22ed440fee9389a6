"""Proof bundles: everything needed to check one record with nothing but a chain RPC.

A bundle carries the record's envelope, the signer's public key, the leaf hash, the
inclusion proof up to the first checkpoint that covers the record, and where that
checkpoint sits on chain. ``ledger.verification.verify_bundle`` checks it; nobody needs
our database or our word.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import NotFoundError
from ledger.records.signing import b64url
from ledger.service import Ledger, StoredRecord

BUNDLE_FORMAT = "carbonledger-proof-bundle/1"


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


def proof_of(ledger: Ledger, stored: StoredRecord) -> tuple[dict[str, Any], bool]:
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
    }
    cp = material.checkpoint
    if cp is not None:
        bundle["chain"] = {
            "chain_id": cp.chain_id, "contract_address": cp.contract_address, "tx_hash": cp.tx_hash,
            "block_number": cp.block_number, "block_time": cp.block_time.isoformat(),
        }
    return bundle, cp is not None


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
