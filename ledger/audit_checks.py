"""Audit checks across rows and tables: replays, rows outside the tree, the chain's head, identities.

A row-by-row pass (:mod:`ledger.row_checks`) cannot see a signed submission pasted in
twice, a record row the tree never took in, a tail cut off after it was anchored, or a
key that exists only in the ``keys`` table. These checks see them, each with a query or
two whatever the log's size: duplicates by SQL ``GROUP BY``, rows outside the tree by one
range scan, the chain's latest checkpoint once, the identity tables (small) whole.

``in_scope`` restricts findings to records a scoped audit covers; None means all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Connection, LargeBinary, String, cast, func, or_, select

from ledger.log_identities import LogIdentities
from ledger.records.signing import b64url
from ledger.tables import KeyRevocationRow, KeyRow, ParticipantRow, RecordRow
from ledger.verification import CachedCheckpointReader, CheckpointReader


@dataclass(frozen=True)
class Finding:
    """Something that does not hold: what, where, expected and found."""

    subject: str
    check: str
    expected: str
    found: str


class _Head(Protocol):
    @property
    def tree_size(self) -> int: ...

    @property
    def root(self) -> bytes: ...


@runtime_checkable
class ChainHeadReader(CheckpointReader, Protocol):
    """A checkpoint reader that can also say which checkpoint is the chain's latest."""

    def latest_checkpoint(self) -> _Head | None: ...


def chain_head(chain: CheckpointReader | None) -> _Head | None:
    """The chain's latest checkpoint, or None (no chain, an empty registry, or a reader that cannot say).

    Asked of the registry itself when ``chain`` is the portal's cache of it: the head
    moves, so a cached answer would be no answer.
    """
    if isinstance(chain, CachedCheckpointReader):
        chain = chain.reader
    return chain.latest_checkpoint() if isinstance(chain, ChainHeadReader) else None


SIGNATURE_TAIL_BYTES = 89
"""A canonical envelope ends with its signature: ``"`` + 86 base64url characters (64
bytes) + ``"}``. Grouping rows by these last bytes finds one signature stored twice
without parsing a single envelope; a malformed signature is reported row by row."""

_signature_tail = func.substr(RecordRow.envelope, func.length(RecordRow.envelope) - (SIGNATURE_TAIL_BYTES - 1))

_SAME = (
    ("same signature", (_signature_tail,)),
    ("same submission digest", (RecordRow.submission_digest,)),
    ("same envelope bytes", (RecordRow.leaf_hash,)),
)
"""What makes two rows one submission stored twice. An Ed25519 signature binds its key
and record (64 bytes: no two keys or records share one in practice), and only the
signer can make another, so a copy of a signed record carries the same signature
whatever else the copier changed, its key_id column included. The two stored columns are
grouped too in case a unique constraint was dropped. The same record under another key
is a resubmission its signers made, not a replay, and is not reported."""

_IN_CHUNK = 500
"""Parameters per IN (...) query; SQLite allows 999 by default on older builds."""


def replay_findings(conn: Connection, recomputed: dict[int, bytes],
                    in_scope: Collection[int] | None = None) -> list[Finding]:
    """Rows that store one signed submission twice, each later row naming the first.

    ``recomputed`` maps rows whose stored submission digest was wrong to the digest their
    envelope gives: a copier who had to change the column to get past its unique
    constraint is found by the digest it should have had.
    """
    why: dict[tuple[int, int], set[str]] = defaultdict(set)
    seq_list = func.aggregate_strings(cast(RecordRow.seq, String), ",")
    for reason, columns in _SAME:
        for listed in conn.execute(select(seq_list).group_by(*columns).having(func.count() > 1)).scalars():
            first, *later = sorted(int(s) for s in listed.split(","))
            for seq in later:
                why[(seq, first)].add(reason)
    for pair in digest_twins(conn, recomputed):
        why[pair].add("same key and record")
    return [replay_finding(seq, first, reasons) for (seq, first), reasons in sorted(why.items())
            if _any_in(in_scope, (seq, first))]


def replay_finding(seq: int, first: int, reasons: Iterable[str]) -> Finding:
    """Record ``seq`` stores again the signed submission record ``first`` stores."""
    return Finding(f"record {seq}", "replay", "each signed submission stored once",
                   f"a copy of record {first} ({', '.join(sorted(reasons))})")


def signature_finding(seq: int) -> Finding:
    """Record ``seq``'s signature does not verify with the key the log registered for its signer."""
    return Finding(f"record {seq}", "signature", "valid Ed25519 signature of the signer", "does not verify")


def digest_twins(conn: Connection, recomputed: dict[int, bytes]) -> set[tuple[int, int]]:
    """``(later, earlier)`` positions of rows whose stored submission digest is the one another
    row's envelope gives (``recomputed``: position -> digest from its envelope).

    One indexed lookup per 500 digests: the column is unique, so this finds a copy of a
    signed submission whatever the copy's own column says.
    """
    copies: dict[bytes, list[int]] = defaultdict(list)
    for copy, digest in recomputed.items():
        copies[digest].append(copy)
    digests = list(copies)
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(digests), _IN_CHUNK):
        for seq, digest in conn.execute(select(RecordRow.seq, cast(RecordRow.submission_digest, LargeBinary))
                                        .where(RecordRow.submission_digest.in_(digests[start:start + _IN_CHUNK]))):
            pairs.update((max(copy, seq), min(copy, seq)) for copy in copies[digest] if copy != seq)
    return pairs


def outside_tree_findings(conn: Connection, tree_size: int, in_scope: Collection[int] | None = None) -> list[Finding]:
    """Record rows at positions the Merkle tree does not have: in no proof, never anchored."""
    seqs = [s for s in conn.execute(select(RecordRow.seq).where(or_(RecordRow.seq >= tree_size, RecordRow.seq < 0))
                                    .order_by(RecordRow.seq)).scalars() if _any_in(in_scope, (s,))]
    return [Finding(f"record {a}" if a == b else f"records {a}-{b}", "in the tree",
                    f"seq below {tree_size}, the Merkle tree's size",
                    "a record row outside the tree (in no proof, never anchored)")
            for a, b in _ranges(seqs)]


def chain_head_findings(head: _Head | None, db_sizes: Collection[int], log_size: int,
                        log_root: Callable[[int], bytes]) -> list[Finding]:
    """The log's size and root against the checkpoints the database (``db_sizes``) and the chain hold.

    A checkpoint the log no longer reaches, or a chain head ahead of a log that lacks its
    records or whose records give another root at that size, means anchored records were
    cut off or rewritten. A chain ahead of a log that holds them is an anchorer that stopped
    before recording its checkpoint (the next ``carbonledger anchor`` records it): not a
    finding. A database checkpoint within the log is compared root by root elsewhere.
    """
    out = [Finding(f"checkpoint {size}", "log size", f"the log to hold the {size} records this checkpoint anchors",
                   f"the log has {log_size}: anchored records {log_size}-{size - 1} are gone (truncated)")
           for size in sorted(db_sizes) if size > log_size]
    db_size = max(db_sizes, default=0)
    if head is None or head.tree_size <= db_size:
        return out
    size, root = head.tree_size, bytes(head.root)
    subject = f"checkpoint {size}"
    expected = f"the log to hold the chain's latest checkpoint (size {size}, root {root.hex()})"
    if size > log_size:
        return out + [Finding(subject, "chain head", expected,
                              f"the chain is ahead: the log has {log_size} records and the database's latest "
                              f"checkpoint is size {db_size}; anchored records {log_size}-{size - 1} are gone "
                              "(truncated)")]
    try:
        ours = log_root(size)
    except RuntimeError as exc:  # the stored tree lacks nodes: no root to compare
        return out + [Finding(subject, "chain head", expected, f"no root of the log at size {size}: {exc}")]
    if ours != root:
        return out + [Finding(subject, "chain head", expected,
                              f"the log's records give root {ours.hex()} at size {size}: rewritten after anchoring")]
    return out


def identity_table_findings(conn: Connection, identities: LogIdentities, keys: Collection[str] | None = None,
                            participants: Collection[str] | None = None) -> list[Finding]:
    """The ``keys``, ``key_revocations`` and ``participants`` tables against the log's identity records.

    Signatures are verified against the ``keys`` table wherever a record is shown, so a row
    there that no record made, or that differs from its record, lets forgeries verify.
    ``keys`` and ``participants`` limit the comparison (None: all).
    """
    key_rows = {r[0]: r[1:] for r in conn.execute(select(
        KeyRow.key_id, KeyRow.participant_id, cast(KeyRow.public_key, LargeBinary), KeyRow.registered_seq))}
    revoked_rows = {r[0]: r[1:] for r in conn.execute(select(
        KeyRevocationRow.key_id, KeyRevocationRow.revoked_seq, KeyRevocationRow.reason))}
    people_rows = {r[0]: r[1:] for r in conn.execute(select(
        ParticipantRow.participant_id, ParticipantRow.name, ParticipantRow.roles, ParticipantRow.country,
        ParticipantRow.registered_seq))}
    out: list[Finding] = []
    log_keys = identities.keys
    revocations = {k: (s.revoked_seq, s.reason) for k, s in log_keys.items() if s.revoked_seq is not None}
    people = {p: (s.name, s.roles, s.country, s.registered_seq) for p, s in identities.participants.items()}
    registered = {k: (s.participant_id, s.public_key, s.registered_seq) for k, s in log_keys.items()}
    out += _compare("key", "keys table", registered, key_rows, ("participant", "public key", "record"), keys)
    out += _compare("key", "key revocations table", revocations,
                    revoked_rows, ("revoked by record", "reason"), keys)
    out += _compare("participant", "participants table", people,
                    {p: (n, _roles(r), c, s) for p, (n, r, c, s) in people_rows.items()},
                    ("name", "roles", "country", "record"), participants)
    return out


def _compare(what: str, table: str, log: dict[Any, tuple[Any, ...]], rows: dict[Any, tuple[Any, ...]],
             names: tuple[str, ...], only: Collection[str] | None) -> list[Finding]:
    """One finding per id whose row and record disagree, or that has one without the other."""
    out = []
    for ident in sorted(set(log) | set(rows), key=str):
        if only is not None and ident not in only:
            continue
        want, got = log.get(ident), rows.get(ident)
        if want == got:
            continue
        if want is None:
            expected, found = "no row (no record in the log makes one)", f"a row: {_facts(names, got)}"
        elif got is None:
            expected, found = f"a row: {_facts(names, want)}", "no row"
        else:
            differs = [i for i, (a, b) in enumerate(zip(want, got)) if a != b]
            expected = _facts([names[i] for i in differs], [want[i] for i in differs])
            found = _facts([names[i] for i in differs], [got[i] for i in differs])
        out.append(Finding(f"{what} {ident}", table, expected, found))
    return out


def _facts(names: Iterable[str], values: Iterable[Any] | None) -> str:
    return ", ".join(f"{n} {b64url(v) if isinstance(v, bytes) else v}" for n, v in zip(names, values or ()))


def _roles(stored: Any) -> Any:
    """The roles column holds JSON text; a value that is not JSON is compared as it is."""
    try:
        return json.loads(stored)
    except (TypeError, ValueError):
        return stored


def _any_in(in_scope: Collection[int] | None, seqs: Iterable[int]) -> bool:
    return in_scope is None or any(s in in_scope for s in seqs)


def _ranges(seqs: list[int]) -> list[tuple[int, int]]:
    """Sorted positions as runs of consecutive ones, so ten thousand pasted rows are one line."""
    runs: list[tuple[int, int]] = []
    for s in seqs:
        if runs and runs[-1][1] == s - 1:
            runs[-1] = (runs[-1][0], s)
        else:
            runs.append((s, s))
    return runs
