"""What one stored record row must satisfy, checked from its own bytes with no column trusted.

A row holds the envelope bytes the log commits to and, beside them, columns ingest derived
from those bytes (leaf hash, key id, kind, submitter, submission digest) that lookups and
deduplication rely on. Someone with write access to the database can change any of them,
or paste a whole row copied from elsewhere, so every check recomputes from the envelope:
the RFC 6962 leaf hash, the RFC 8785 canonical form, the position, every derived column,
and who signed it by the identities the log itself established. The signature is not
verified here but handed back as a job, so callers verify many at once on every core.

Used by the audit (every row) and by the anchorer (each row it is about to anchor).
Pure: rows arrive already read; nothing here touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ledger import merkle
from ledger.errors import SchemaError
from ledger.ingest import submission_digest
from ledger.log_identities import IDENTITY_KINDS, LogIdentities
from ledger.records.canonical import canonical_bytes
from ledger.records.ijson import MAX_DEPTH, parse_json
from ledger.records.schemas import SERVICE_ONLY_KINDS
from ledger.records.signing import from_b64url

ENVELOPE_MEMBERS = frozenset({"key_id", "received_at", "record", "seq", "signature"})
"""Exactly the members :func:`ledger.records.envelope.envelope_bytes` writes."""


@dataclass(frozen=True)
class RawRow:
    """A ``records`` row as stored; any column may hold anything, NULL included."""

    seq: int
    kind: Any
    participant_id: Any
    key_id: Any
    submission_digest: Any
    leaf_hash: Any
    envelope: Any


@dataclass(frozen=True)
class OpenedEnvelope:
    """What the stored bytes say, and whether they are exactly their RFC 8785 form."""

    key_id: str
    signature: bytes
    record: Any
    canonical_record: bytes
    seq: Any
    canonical: bool


class UnreadableEnvelopeError(ValueError):
    """Stored envelope bytes that do not parse as an envelope; the message says why."""


@dataclass(frozen=True)
class Problem:
    """One thing a row gets wrong: the check, what it should be, what it is."""

    check: str
    expected: str
    found: str


@dataclass
class RowCheck:
    """The outcome for one row: its problems, and what callers check across rows.

    ``leaf`` is recomputed from the stored bytes (None if there are none); ``digest`` is
    the submission digest recomputed from the envelope; ``signature`` is the
    ``(public key, canonical record, signature)`` job to verify, when the signer is known.
    """

    leaf: bytes | None
    problems: list[Problem] = field(default_factory=list)
    digest: bytes | None = None
    signature: tuple[bytes, bytes, bytes] | None = None


def open_envelope(data: Any) -> OpenedEnvelope:
    """Parse stored envelope bytes; raises :class:`UnreadableEnvelopeError` saying what is wrong.

    Never raises anything else, whatever the bytes: the audit reports a row it cannot read
    and goes on to the next one.
    """
    if not isinstance(data, bytes):
        raise UnreadableEnvelopeError(_stored_as(data))
    try:
        env = _parse(data)
    except SchemaError as exc:
        raise UnreadableEnvelopeError(f"envelope {exc}") from None
    if not isinstance(env, dict) or set(env) != ENVELOPE_MEMBERS:
        members = ", ".join(sorted(env)) if isinstance(env, dict) else type(env).__name__
        raise UnreadableEnvelopeError(f"not an envelope (members: {members})")
    try:
        canonical = canonical_bytes(env)
    except (ValueError, RecursionError) as exc:
        _strictly(data)
        raise UnreadableEnvelopeError(f"cannot be canonicalised ({exc})") from None
    if canonical != data:
        _strictly(data)  # a repeated member name or a NaN is named as such, not as mere non-canonical bytes
    record_bytes = _record_bytes(data) if canonical == data else canonical_bytes(env["record"])
    if not isinstance(env["key_id"], str):
        raise UnreadableEnvelopeError(f"key_id is {type(env['key_id']).__name__}, not a string")
    try:
        signature = from_b64url(env["signature"])
    except ValueError:
        raise UnreadableEnvelopeError("signature is not base64url") from None
    return OpenedEnvelope(env["key_id"], signature, env["record"], record_bytes, env["seq"], canonical == data)


def _parse(data: bytes) -> Any:
    """The JSON value of ``data``, never recursing deeper than the strict parser allows.

    Bytes with too few brackets to nest past :data:`~ledger.records.ijson.MAX_DEPTH` go to
    ``json.loads`` (a canonical envelope is I-JSON already, and the strict parser's hooks
    would cost a tenth of the audit); anything else, or anything ``json.loads`` refuses, to
    :func:`~ledger.records.ijson.parse_json`, which bounds the depth before parsing
    (``json.loads`` on 100,000 nested ``[`` overflows the C stack) and raises
    :class:`~ledger.errors.SchemaError` saying what is wrong.
    """
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        try:
            return json.loads(data)
        except ValueError:
            pass  # the strict parser says why
    return parse_json(data, max_depth=MAX_DEPTH + 1)  # the envelope is one object around the record


def _strictly(data: bytes) -> None:
    """Raise :class:`UnreadableEnvelopeError` with the strict parser's reason, if it has one."""
    try:
        parse_json(data, max_depth=MAX_DEPTH + 1)
    except SchemaError as exc:
        raise UnreadableEnvelopeError(f"envelope {exc}") from None


def _record_bytes(envelope: bytes) -> bytes:
    """The canonical record inside a canonical envelope, without canonicalising it again.

    In JCS the envelope's members are ``key_id, received_at, record, seq, signature``; the
    first ``"record":`` is the top-level one (the two strings before it cannot contain a
    quote unescaped) and the last ``,"seq":`` is too (only a number and base64url follow).
    """
    start = envelope.index(b'"record":') + len(b'"record":')
    return envelope[start:envelope.rindex(b',"seq":')]


def _hex(value: Any) -> str:
    return value.hex() if isinstance(value, bytes) else repr(value)


def check_row(row: RawRow, tree_leaf: bytes | None, identities: LogIdentities) -> RowCheck:
    """Every check of one row that needs no other row; applies its identity record, if any.

    Rows must come in log order: whether a key may sign record ``seq`` depends on the
    identity records before it (and on this one, for the operator's self-signed key).
    """
    if not isinstance(row.envelope, bytes):
        return RowCheck(None, [_unreadable(_stored_as(row.envelope))])
    leaf = merkle.leaf_hash(row.envelope)
    out = RowCheck(leaf)
    add = out.problems.append
    if leaf != row.leaf_hash:
        add(Problem("leaf hash", _hex(row.leaf_hash), leaf.hex()))
    if tree_leaf != leaf:
        add(Problem("tree leaf", leaf.hex(), tree_leaf.hex() if tree_leaf is not None else "missing"))
    try:
        env = open_envelope(row.envelope)
    except UnreadableEnvelopeError as exc:
        add(_unreadable(str(exc)))
        return out
    if not env.canonical:
        add(Problem("envelope", "RFC 8785 canonical bytes", "non-canonical bytes"))
    if type(env.seq) is not int or env.seq != row.seq:
        add(Problem("position", f"seq {row.seq}", f"seq {env.seq!r}"))
    refused = identities.apply(row.seq, env.record, env.key_id)
    if refused is not None:
        add(Problem("identity", refused.expected, refused.found))
    out.digest = submission_digest(env.key_id, env.canonical_record)
    kind = env.record.get("kind") if isinstance(env.record, dict) else None
    _check_columns(row, env, out.digest, kind, add)
    signer = identities.signer(env.key_id)
    if signer is None:
        add(Problem("signer", f"a key registered before {row.seq}", f"unknown key {env.key_id}"))
        return out
    if signer.revoked_seq is not None and signer.revoked_seq < row.seq:
        add(Problem("signer", "an unrevoked key", f"key {env.key_id} revoked at {signer.revoked_seq}"))
    if kind in SERVICE_ONLY_KINDS and kind not in IDENTITY_KINDS and signer.participant_id != identities.operator_id:
        add(Problem("signer", f"the operator {identities.operator_id} (only it signs {kind} records)",
                    signer.participant_id))
    if row.participant_id != signer.participant_id:
        add(Problem("participant column", signer.participant_id, repr(row.participant_id)))
    out.signature = (signer.public_key, env.canonical_record, env.signature)
    return out


def _unreadable(why: str) -> Problem:
    return Problem("envelope", "a canonical JSON envelope", f"unreadable: {why}")


def _stored_as(data: Any) -> str:
    return "stored as NULL" if data is None else f"stored as {type(data).__name__}"


def _check_columns(row: RawRow, env: OpenedEnvelope, digest: bytes, kind: Any,
                   add: Callable[[Problem], None]) -> None:
    """The columns ingest derived from the envelope, which lookups and deduplication trust."""
    if row.key_id != env.key_id:
        add(Problem("key_id column", env.key_id, repr(row.key_id)))
    if row.kind != kind:
        add(Problem("kind column", repr(kind), repr(row.kind)))
    if row.submission_digest != digest:
        add(Problem("submission digest", digest.hex(), _hex(row.submission_digest)))
