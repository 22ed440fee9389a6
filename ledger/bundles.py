"""Proof bundles: everything needed to check one record with nothing but a chain RPC.

A bundle carries the record's envelope, the signer's public key, the leaf hash, the
inclusion proof up to the first checkpoint that covers the record, and where that
checkpoint sits on chain. ``ledger.verification.verify_bundle`` checks it; nobody needs
our database or our word.
"""

from __future__ import annotations

from typing import Any

from ledger import checkpoints
from ledger.errors import NotFoundError
from ledger.records.signing import b64url
from ledger.service import Ledger

BUNDLE_FORMAT = "carbonledger-proof-bundle/1"


class NotAnchoredError(NotFoundError):
    """The record exists but no on-chain checkpoint covers it yet."""


def build_bundle(ledger: Ledger, seq: int) -> dict[str, Any]:
    """The proof bundle of record ``seq``; raises :class:`NotAnchoredError` while pending."""
    stored = ledger.record(seq)
    with ledger.engine.connect() as conn:
        cp = checkpoints.covering(conn, seq)
    if cp is None:
        raise NotAnchoredError(f"record {seq} is in the log but not anchored yet; try again after the next checkpoint")
    size, proof = ledger.inclusion_proof(seq, cp.tree_size)
    env = stored.envelope
    return {
        "format": BUNDLE_FORMAT,
        "envelope": env.to_dict(),
        "public_key": b64url(ledger.public_key(env.key_id)),
        "leaf_hash": stored.leaf_hash.hex(),
        "index": seq,
        "inclusion_proof": [p.hex() for p in proof],
        "checkpoint": {"tree_size": size, "root": cp.root.hex()},
        "chain": {
            "chain_id": cp.chain_id, "contract_address": cp.contract_address, "tx_hash": cp.tx_hash,
            "block_number": cp.block_number, "block_time": cp.block_time.isoformat(),
        },
    }


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
