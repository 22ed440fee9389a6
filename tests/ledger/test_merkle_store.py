"""The persisted Merkle log on SQLite and PostgreSQL: roots, proofs, bounds, append-only.

The store is filled through real migrations in batches whose sizes straddle every stored
height (1, 2, 3, 7, 15, 16, 17, 255, 256, 257, ...), one write transaction per batch, as
ingest does; every historical root must equal the pure reference ``merkle.root_of``.
"""

from __future__ import annotations

import functools
import random

import pymerkle
import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import DBAPIError

from ledger import merkle
from ledger.db import write_transaction
from ledger.merkle_store import MerkleNodeRow, MerkleStore, TreeSizeError

BATCHES = (1, 2, 3, 7, 15, 16, 17, 255, 256, 257, 63, 64, 65, 511, 512, 4)
"""Batch sizes around 16 and 256 (the first two stored heights above the leaves), so
appends complete stored subtrees exactly, one short and one past; 2044 leaves in all."""

SIZE = sum(BATCHES)

SAMPLES = 150
"""Random inclusion and consistency proofs checked per database (seeded)."""


def _data(i: int) -> bytes:
    return b"carbonledger test leaf %d" % i


@functools.cache
def _leaves() -> tuple[bytes, ...]:
    return tuple(merkle.leaf_hash(_data(i)) for i in range(SIZE))


@functools.cache
def _reference_root(size: int) -> bytes:
    return merkle.root_of(_leaves()[:size])


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated database of tests/ledger/conftest.py, under the name these tests use."""
    return migrated_engine


def _fill(engine: Engine, statements: list[str] | None = None) -> None:
    """Append the test leaves batch by batch; record every SQL statement the appends run."""
    recording = False

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if recording and statements is not None:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        done = 0
        for batch in BATCHES:
            with write_transaction(engine) as conn:
                store = MerkleStore(conn)
                recording = True
                new_size = store.append(_leaves()[done:done + batch])
                recording = False
                assert new_size == done + batch
                done = new_size
                assert store.root() == _reference_root(done)
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_roots_at_every_size_match_the_reference(engine: Engine) -> None:
    statements: list[str] = []
    _fill(engine, statements)
    with engine.connect() as conn:
        store = MerkleStore(conn)
        assert store.size() == SIZE
        for size in range(SIZE + 1):
            assert store.root(size) == _reference_root(size), size
        assert store.root() == _reference_root(SIZE)
        assert [store.leaf_hash(i) for i in (0, 15, 16, 1023, SIZE - 1)] == [
            _leaves()[i] for i in (0, 15, 16, 1023, SIZE - 1)
        ]
    verbs = {s.lstrip().split(None, 1)[0].upper() for s in statements}
    assert verbs == {"SELECT", "INSERT"}, verbs


def test_stored_rows_are_the_complete_subtrees_at_every_fourth_height(engine: Engine) -> None:
    _fill(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(MerkleNodeRow.level, MerkleNodeRow.idx, MerkleNodeRow.hash)).all()
    leaves = _leaves()
    expected = {
        (level, i): merkle.perfect_root(leaves[i << level:(i + 1) << level])
        for level in (0, 4, 8) for i in range(SIZE >> level)
    }
    assert {(lv, i): h for lv, i, h in rows} == expected


def test_sampled_proofs_verify(engine: Engine) -> None:
    _fill(engine)
    rng = random.Random(6962)
    leaves = _leaves()
    with engine.connect() as conn:
        store = MerkleStore(conn)
        for _ in range(SAMPLES):
            size = rng.randint(1, SIZE)
            index = rng.randrange(size)
            proof = store.inclusion_proof(index, size)
            merkle.verify_inclusion(leaves[index], index, size, proof, _reference_root(size))
        for _ in range(SAMPLES):
            size2 = rng.randint(1, SIZE)
            size1 = rng.randint(1, size2)  # no proof is made from the empty tree (test_out_of_range_...)
            proof = store.consistency_proof(size1, size2)
            merkle.verify_consistency(size1, size2, _reference_root(size1), _reference_root(size2), proof)
        # edges: first and last leaf, and consistency across each batch boundary
        for index in (0, SIZE - 1):
            merkle.verify_inclusion(leaves[index], index, SIZE, store.inclusion_proof(index, SIZE),
                                    _reference_root(SIZE))
        bounds = [sum(BATCHES[:i]) for i in range(len(BATCHES) + 1)]
        for size1, size2 in zip(bounds[1:], bounds[2:]):
            merkle.verify_consistency(size1, size2, _reference_root(size1), _reference_root(size2),
                                      store.consistency_proof(size1, size2))


def test_core_fallback_for_drivers_without_a_known_paramstyle(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Inserts and proof reads through Core (named parameters) give the same tree and proofs."""
    from ledger import merkle_store

    monkeypatch.setattr(merkle_store, "_PLACEHOLDERS", {})
    size = 300
    with write_transaction(engine) as conn:
        for start, end in ((0, 1), (1, 17), (17, 255), (255, size)):
            MerkleStore(conn).append(_leaves()[start:end])
    with engine.connect() as conn:
        store = MerkleStore(conn)
        assert [store.root(s) for s in (0, 16, 17, 256, size)] == [_reference_root(s) for s in (0, 16, 17, 256, size)]
        for index in (0, 16, 255, size - 1):
            merkle.verify_inclusion(_leaves()[index], index, size, store.inclusion_proof(index, size),
                                    _reference_root(size))
        merkle.verify_consistency(17, size, _reference_root(17), _reference_root(size), store.consistency_proof(17, size))


@pytest.mark.parametrize("size", [1, 17, 256, 1000, SIZE])
def test_root_agrees_with_pymerkle(engine: Engine, size: int) -> None:
    # pymerkle 7 with its default security mode prefixes leaves with 0x00 and nodes with
    # 0x01 and folds maximal perfect subtrees right to left: RFC 6962 on the same data.
    with write_transaction(engine) as conn:
        MerkleStore(conn).append(_leaves()[:size])
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    for i in range(size):
        tree.append_entry(_data(i))
    with engine.connect() as conn:
        store = MerkleStore(conn)
        for s in {1, size // 2 or 1, size}:
            assert store.root(s) == tree.get_root(s)


OUT_OF_RANGE = [
    ("root-beyond", lambda s: s.root(SIZE + 1), f"tree size {SIZE + 1} is outside the log \\(current size {SIZE}\\)"),
    ("root-negative", lambda s: s.root(-1), f"tree size -1 is outside the log \\(current size {SIZE}\\)"),
    ("inclusion-index-at-size", lambda s: s.inclusion_proof(10, 10), "index 10 is outside a tree of size 10"),
    ("inclusion-index-negative", lambda s: s.inclusion_proof(-1, 10), "index -1 is outside a tree of size 10"),
    ("inclusion-size-beyond", lambda s: s.inclusion_proof(0, SIZE + 1), f"tree size {SIZE + 1} is outside the log"),
    ("inclusion-empty-tree", lambda s: s.inclusion_proof(0, 0), "index 0 is outside a tree of size 0"),
    ("consistency-size2-beyond", lambda s: s.consistency_proof(1, SIZE + 1), f"tree size {SIZE + 1} is outside"),
    ("consistency-shrinking", lambda s: s.consistency_proof(5, 4), "need 0 <= size1 <= size2, got 5 and 4"),
    ("consistency-size1-negative", lambda s: s.consistency_proof(-1, 4), "need 0 <= size1 <= size2, got -1 and 4"),
    # RFC 9162 §2.1.4.2 as transparency-dev/merkle reads it: a proof from the empty tree never verifies
    ("consistency-from-empty", lambda s: s.consistency_proof(0, 4),
     "no consistency proof from the empty tree \\(size1 0, size2 4\\): it proves nothing; ask from size 1 or more"),
    ("leaf-beyond", lambda s: s.leaf_hash(SIZE), f"no leaf at index {SIZE} \\(size {SIZE}\\)"),
    ("leaf-negative", lambda s: s.leaf_hash(-1), f"no leaf at index -1 \\(size {SIZE}\\)"),
]


@pytest.mark.parametrize(("call", "message"), [c[1:] for c in OUT_OF_RANGE], ids=[c[0] for c in OUT_OF_RANGE])
def test_out_of_range_raises_tree_size_error(engine: Engine, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with write_transaction(engine) as conn:
        MerkleStore(conn).append(_leaves())
    with engine.connect() as conn, pytest.raises(TreeSizeError, match=message) as info:
        call(MerkleStore(conn))
    assert type(info.value) is TreeSizeError
    assert isinstance(info.value, ValueError)


def test_empty_log(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        store = MerkleStore(conn)
        assert store.size() == 0 and store.append([]) == 0
        assert store.root() == store.root(0) == merkle.EMPTY_ROOT
        assert store.consistency_proof(0, 0) == []
        with pytest.raises(TreeSizeError, match="tree size 1 is outside the log \\(current size 0\\)"):
            store.root(1)


def test_malformed_leaf_hash_is_refused_before_anything_is_written(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        store = MerkleStore(conn)
        with pytest.raises(ValueError, match="leaf hash of 31 bytes, want 32"):
            store.append([_leaves()[0], b"\x00" * 31])
        assert store.size() == 0


def test_leaf_hash_of_another_type_is_a_type_error(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        store = MerkleStore(conn)
        with pytest.raises(TypeError, match="leaf hash must be bytes, got str"):
            store.append([_leaves()[0], "00" * 16])
        assert store.size() == 0


@pytest.mark.parametrize("statement", [
    "UPDATE merkle_nodes SET hash = :h WHERE level = 0 AND idx = 0",
    "UPDATE merkle_nodes SET idx = idx + 100 WHERE level = 4",
    "DELETE FROM merkle_nodes WHERE level = 0 AND idx = 16",
    "DELETE FROM merkle_nodes",
])
def test_database_refuses_updates_and_deletes_of_nodes(engine: Engine, statement: str) -> None:
    with write_transaction(engine) as conn:
        MerkleStore(conn).append(_leaves()[:300])
    action = statement.split()[0]
    with pytest.raises(DBAPIError, match=f"{action} on merkle_nodes refused: the table is append-only"):
        with write_transaction(engine) as conn:
            conn.execute(text(statement), {"h": b"\x00" * 32} if ":h" in statement else {})
    with engine.connect() as conn:
        store = MerkleStore(conn)
        assert store.size() == 300 and store.root() == _reference_root(300)
