"""RFC 6962 hashing and proof verification: shared vectors, hand-computed goldens, properties.

Three layers, as in transparency-dev/merkle: every published vector (happy paths and their
deliberately corrupted copies) decided the way the reference decides it; roots and error
messages computed by hand; and Hypothesis properties tying proof *generation* over perfect
subtrees (``inclusion_spec``/``consistency_spec`` + ``assemble``) to verification.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.merkle import ProofError, RootMismatchError, leaf_hash, node_hash

MAX_SIZE = 300
"""Largest tree the properties draw: spans eight levels and every shape of right border."""

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


# -- shared vectors (transparency-dev/merkle testdata) -------------------------------------

def _vectors_dir() -> Path:
    # Mirrors the ``standards_dir`` fixture so vectors can be listed at collection time;
    # test_every_vector_is_collected checks that the two agree.
    default = Path(__file__).resolve().parents[2].parent / "shared" / "standards"
    return Path(os.environ.get("CARBONLEDGER_STANDARDS_DIR", str(default))) / "merkle-vectors"


def _vector_ids(kind: str) -> list[str]:
    root = _vectors_dir() / kind
    return sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.json"))


INCLUSION_VECTORS = _vector_ids("inclusion")
CONSISTENCY_VECTORS = _vector_ids("consistency")


def _b64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def _proof(value: list[str] | None) -> list[bytes] | None:
    return None if value is None else [base64.b64decode(p) for p in value]


def _load(standards_dir: Path, kind: str, name: str) -> dict[str, Any]:
    return json.loads((standards_dir / "merkle-vectors" / kind / name).read_text())


def test_every_vector_is_collected(standards_dir: Path) -> None:
    base = standards_dir / "merkle-vectors"
    on_disk = {
        kind: sorted(p.relative_to(base / kind).as_posix() for p in (base / kind).glob("*/*.json"))
        for kind in ("inclusion", "consistency")
    }
    assert on_disk == {"inclusion": INCLUSION_VECTORS, "consistency": CONSISTENCY_VECTORS}
    assert len(INCLUSION_VECTORS) + len(CONSISTENCY_VECTORS) >= 96


@pytest.mark.parametrize("name", INCLUSION_VECTORS)
def test_inclusion_vector(standards_dir: Path, name: str) -> None:
    v = _load(standards_dir, "inclusion", name)
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v["proof"]), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


def _from_empty_tree(v: dict[str, Any]) -> bool:
    """A vector proving consistency from the empty tree to a larger one.

    Documented deviation from older testdata: RFC 9162 §2.1.4.2 as transparency-dev/merkle
    implements it today ("consistency proof from empty tree is meaningless") refuses every
    such proof, even an empty one that older copies of the vectors expect to pass, so these
    vectors must fail here whatever their ``wantErr`` says.
    """
    return v["size1"] == 0 and v["size2"] != 0


@pytest.mark.parametrize("name", CONSISTENCY_VECTORS)
def test_consistency_vector(standards_dir: Path, name: str) -> None:
    v = _load(standards_dir, "consistency", name)
    args = (v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), _proof(v["proof"]))
    if _from_empty_tree(v):
        with pytest.raises(ProofError, match="no consistency proof from the empty tree"):
            merkle.verify_consistency(*args)
    elif v["wantErr"]:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


# -- goldens computed by hand ------------------------------------------------------------

LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
          b"\x50\x51\x52\x53\x54\x55\x56\x57", b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"]
"""The leaf data of RFC 6962's reference tests (certificate-transparency merkle_tree_test)."""

ROOTS_HEX = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
"""Published roots of the first n reference leaves."""


def _hand_root(n: int) -> bytes:
    """RFC 6962 §2.1 written out per size: split at the largest power of two below n."""
    a, b, c, d, e, f, g, h = (leaf_hash(x) for x in LEAVES)
    n_ = node_hash
    return {
        0: hashlib.sha256(b"").digest(),
        1: a,
        2: n_(a, b),
        3: n_(n_(a, b), c),
        4: n_(n_(a, b), n_(c, d)),
        5: n_(n_(n_(a, b), n_(c, d)), e),
        6: n_(n_(n_(a, b), n_(c, d)), n_(e, f)),
        7: n_(n_(n_(a, b), n_(c, d)), n_(n_(e, f), g)),
        8: n_(n_(n_(a, b), n_(c, d)), n_(n_(e, f), n_(g, h))),
    }[n]


def test_prefixes_and_empty_root_are_rfc6962() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 7, 8])
def test_root_of_matches_hand_chained_hashes(n: int) -> None:
    assert merkle.root_of([leaf_hash(x) for x in LEAVES[:n]]) == _hand_root(n)


@pytest.mark.parametrize("n", sorted(ROOTS_HEX))
def test_root_of_matches_published_roots(n: int) -> None:
    assert merkle.root_of([leaf_hash(x) for x in LEAVES[:n]]).hex() == ROOTS_HEX[n]


def test_hand_inclusion_proof_of_leaf_6_in_7() -> None:
    a, b, c, d, e, f, g, _ = (leaf_hash(x) for x in LEAVES)
    proof = [node_hash(e, f), node_hash(node_hash(a, b), node_hash(c, d))]
    merkle.verify_inclusion(g, 6, 7, proof, _hand_root(7))


def test_hand_consistency_proof_from_3_to_7() -> None:
    a, b, c, d, e, f, g, _ = (leaf_hash(x) for x in LEAVES)
    # RFC 6962 §2.1.4.1 example: PROOF(3, D[7]) = [c, d, g, l] (RFC 9162 naming)
    proof = [c, d, node_hash(a, b), node_hash(node_hash(e, f), g)]
    merkle.verify_consistency(3, 7, _hand_root(3), _hand_root(7), proof)


# -- error messages (got/want) and the exact error type -------------------------------------

def _raises_exactly(exc_type: type[Exception], match: str, fn, *args) -> Exception:  # type: ignore[no-untyped-def]
    with pytest.raises(exc_type, match=match) as info:
        fn(*args)
    assert type(info.value) is exc_type
    return info.value


def test_root_mismatch_carries_expected_and_calculated() -> None:
    leaves = [leaf_hash(x) for x in LEAVES[:2]]
    wrong = b"\x42" * 32
    err = _raises_exactly(RootMismatchError, "does not match", merkle.verify_inclusion,
                          leaves[0], 0, 2, [leaves[1]], wrong)
    assert isinstance(err, RootMismatchError)
    assert err.expected == wrong and err.calculated == _hand_root(2)
    assert str(err) == f"calculated root {_hand_root(2).hex()} does not match expected root {wrong.hex()}"


BAD_INCLUSION = [
    ("none-root", (leaf_hash(b""), 0, 1, [], None), "root must be bytes, got NoneType"),
    ("str-root", (leaf_hash(b""), 0, 1, [], "ab" * 32), "root must be bytes, got str"),
    ("none-leaf", (None, 0, 1, [], leaf_hash(b"")), "leaf_hash must be bytes, got NoneType"),
    ("short-leaf", (b"\x00" * 31, 0, 1, [], leaf_hash(b"")), "leaf_hash has 31 bytes, want 32"),
    ("str-proof-element", (leaf_hash(b""), 0, 2, ["00" * 32], b"\x00" * 32), r"proof\[0\] must be bytes, got str"),
    ("long-proof-element", (leaf_hash(b""), 0, 2, [b"\x00" * 33], b"\x00" * 32), r"proof\[0\] has 33 bytes, want 32"),
    ("proof-not-a-list", (leaf_hash(b""), 0, 2, b"\x00" * 32, b"\x00" * 32), "proof must be a list of hashes, got bytes"),
    ("negative-index", (leaf_hash(b""), -1, 2, [b"\x00" * 32], b"\x00" * 32), "index must be a non-negative integer, got -1"),
    ("float-index", (leaf_hash(b""), 0.0, 1, [], leaf_hash(b"")), "index must be a non-negative integer, got 0.0"),
    ("bool-size", (leaf_hash(b""), 0, True, [], leaf_hash(b"")), "tree_size must be a non-negative integer, got True"),
    ("index-beyond-size", (leaf_hash(b""), 2, 2, [b"\x00" * 32], b"\x00" * 32), "index 2 is beyond tree size 2"),
    ("empty-tree", (leaf_hash(b""), 0, 0, [], merkle.EMPTY_ROOT), "index 0 is beyond tree size 0"),
    ("short-proof", (leaf_hash(b""), 0, 3, [b"\x00" * 32], b"\x00" * 32), "wrong proof size 1, want 2"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in BAD_INCLUSION], ids=[c[0] for c in BAD_INCLUSION])
def test_malformed_inclusion_raises_proof_error_only(args: tuple, message: str) -> None:
    _raises_exactly(ProofError, message, merkle.verify_inclusion, *args)


R = b"\x11" * 32
BAD_CONSISTENCY = [
    ("none-root1", (1, 2, None, R, [R]), "root1 must be bytes, got NoneType"),
    ("int-root2", (1, 2, R, 7, [R]), "root2 must be bytes, got int"),
    ("str-proof-element", (1, 2, R, R, [R, "x"]), r"proof\[1\] must be bytes, got str"),
    ("negative-size1", (-1, 2, R, R, [R]), "size1 must be a non-negative integer, got -1"),
    ("bool-size2", (0, False, R, R, []), "size2 must be a non-negative integer, got False"),
    ("str-size2", (1, "2", R, R, [R]), "size2 must be a non-negative integer, got '2'"),
    ("shrinking", (3, 2, R, R, [R]), r"size2 \(2\) < size1 \(3\)"),
    ("equal-sizes-with-proof", (2, 2, R, R, [R]), "size1 == size2, but the proof is not empty"),
    ("from-empty", (0, 2, merkle.EMPTY_ROOT, R, []), r"no consistency proof from the empty tree \(size1 0, size2 2\)"),
    ("from-empty-with-proof", (0, 2, R, R, [R]), r"no consistency proof from the empty tree \(size1 0, size2 2\)"),
    ("empty-proof", (1, 2, R, R, []), "empty proof"),
    ("wrong-length", (3, 7, R, R, [R, R]), "wrong proof size 2, want 4"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in BAD_CONSISTENCY], ids=[c[0] for c in BAD_CONSISTENCY])
def test_malformed_consistency_raises_proof_error_only(args: tuple, message: str) -> None:
    _raises_exactly(ProofError, message, merkle.verify_consistency, *args)


def test_equal_sizes_with_different_roots_is_a_root_mismatch() -> None:
    err = _raises_exactly(RootMismatchError, "does not match", merkle.verify_consistency, 2, 2, R, b"\x22" * 32, [])
    assert isinstance(err, RootMismatchError)
    assert (err.expected, err.calculated) == (b"\x22" * 32, R)


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=40),
    st.binary(max_size=40), st.lists(st.one_of(st.none(), st.binary(min_size=31, max_size=33), st.text()), max_size=4),
)


@PROPERTY_SETTINGS
@given(leaf=JUNK, index=JUNK, size=JUNK, proof=JUNK, root=JUNK)
def test_verify_inclusion_raises_nothing_but_proof_error(leaf, index, size, proof, root) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf, index, size, proof, root)


@PROPERTY_SETTINGS
@given(size1=JUNK, size2=JUNK, root1=JUNK, root2=JUNK, proof=JUNK)
def test_verify_consistency_raises_nothing_but_proof_error(size1, size2, root1, root2, proof) -> None:  # type: ignore[no-untyped-def]
    try:
        merkle.verify_consistency(size1, size2, root1, root2, proof)
    except ProofError:
        pass  # junk may be accepted (equal sizes, equal roots, no proof); it may never crash


# -- properties: generated proofs verify, corrupted ones do not ------------------------------

@functools.cache
def _tree() -> tuple[list[bytes], dict[merkle.Node, bytes]]:
    """Leaf hashes and every complete perfect subtree hash of a MAX_SIZE-leaf tree."""
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX_SIZE)]
    nodes: dict[merkle.Node, bytes] = {(0, i): h for i, h in enumerate(leaves)}
    level, row = 0, leaves
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
        nodes.update({(level, i): h for i, h in enumerate(row)})
    return leaves, nodes


def _getter(size: int):  # type: ignore[no-untyped-def]
    """Subtree lookup that refuses any subtree reaching beyond the first ``size`` leaves."""
    nodes = _tree()[1]

    def get(node: merkle.Node) -> bytes:
        level, idx = node
        assert (idx + 1) << level <= size, f"spec for size {size} asked for {node}"
        return nodes[node]
    return get


def _root(size: int) -> bytes:
    return merkle.root_of(_tree()[0][:size])


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@st.composite
def inclusion_case(draw):  # type: ignore[no-untyped-def]
    size = draw(st.integers(1, MAX_SIZE))
    index = draw(st.integers(0, size - 1))
    proof = merkle.assemble(merkle.inclusion_spec(index, size), _getter(size))
    return index, size, proof


@st.composite
def consistency_case(draw, min_size1: int = 1, min_size2: int = 1):  # type: ignore[no-untyped-def]
    size2 = draw(st.integers(max(min_size1, min_size2), MAX_SIZE))
    size1 = draw(st.integers(min_size1, size2))
    proof = merkle.assemble(merkle.consistency_spec(size1, size2), _getter(size2))
    return size1, size2, proof


def test_subtree_table_agrees_with_root_of() -> None:
    leaves, nodes = _tree()
    for (level, idx), h in nodes.items():
        assert h == merkle.root_of(leaves[idx << level:(idx + 1) << level])
    for size in range(MAX_SIZE + 1):
        spec = merkle.root_spec(size)
        root = merkle.fold([nodes[n] for n in spec]) if spec else merkle.EMPTY_ROOT
        assert root == _root(size)


@PROPERTY_SETTINGS
@given(inclusion_case())
def test_generated_inclusion_proof_verifies(case) -> None:  # type: ignore[no-untyped-def]
    index, size, proof = case
    merkle.verify_inclusion(_tree()[0][index], index, size, proof, _root(size))


@PROPERTY_SETTINGS
@given(consistency_case())
def test_generated_consistency_proof_verifies(case) -> None:  # type: ignore[no-untyped-def]
    size1, size2, proof = case
    merkle.verify_consistency(size1, size2, _root(size1), _root(size2), proof)


@PROPERTY_SETTINGS
@given(inclusion_case(), st.data())
def test_any_bit_flip_breaks_an_inclusion_proof(case, data) -> None:  # type: ignore[no-untyped-def]
    index, size, proof = case
    root = _root(size)
    target = data.draw(st.integers(-1, len(proof) - 1), label="target (-1 = root)")
    bit = data.draw(st.integers(0, 8 * merkle.HASH_SIZE - 1), label="bit")
    if target < 0:
        root = _flip(root, bit)
    else:
        proof = [*proof[:target], _flip(proof[target], bit), *proof[target + 1:]]
    with pytest.raises(ProofError):
        merkle.verify_inclusion(_tree()[0][index], index, size, proof, root)


@PROPERTY_SETTINGS
@given(consistency_case(), st.data())
def test_any_bit_flip_breaks_a_consistency_proof(case, data) -> None:  # type: ignore[no-untyped-def]
    size1, size2, proof = case
    roots = [_root(size1), _root(size2)]
    target = data.draw(st.integers(-2, len(proof) - 1), label="target (-2/-1 = root1/root2)")
    bit = data.draw(st.integers(0, 8 * merkle.HASH_SIZE - 1), label="bit")
    if target < 0:
        roots[target + 2] = _flip(roots[target + 2], bit)
    else:
        proof = [*proof[:target], _flip(proof[target], bit), *proof[target + 1:]]
    with pytest.raises(ProofError):
        merkle.verify_consistency(size1, size2, roots[0], roots[1], proof)


@PROPERTY_SETTINGS
@given(st.integers(1, MAX_SIZE), st.lists(st.binary(min_size=32, max_size=32), max_size=3), st.data())
def test_no_proof_from_the_empty_tree_verifies(size2, proof, data) -> None:  # type: ignore[no-untyped-def]
    """RFC 9162 §2.1.4.2 (transparency-dev/merkle): size1 0 fails whatever the roots and proof say.

    Accepting it would let any root pass as an "extension" of a log nobody has seen.
    """
    root1 = data.draw(st.sampled_from([merkle.EMPTY_ROOT, _root(size2), b"\0" * 32]), label="root1")
    with pytest.raises(ProofError, match=f"no consistency proof from the empty tree \\(size1 0, size2 {size2}\\)"):
        merkle.verify_consistency(0, size2, root1, _root(size2), proof)


def test_empty_to_empty_is_the_equal_size_case() -> None:
    """0 -> 0 is decided like every equal-size pair (no proof, equal roots), as the reference does."""
    merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    assert merkle.consistency_spec(0, 0) == []


@PROPERTY_SETTINGS
@given(inclusion_case(), st.data())
def test_inclusion_proof_fails_at_any_other_index(case, data) -> None:  # type: ignore[no-untyped-def]
    index, size, proof = case
    other = data.draw(st.integers(0, size).filter(lambda i: i != index), label="other index")
    with pytest.raises(ProofError):
        merkle.verify_inclusion(_tree()[0][index], other, size, proof, _root(size))


@PROPERTY_SETTINGS
@given(inclusion_case(), st.data())
def test_inclusion_proof_fails_for_any_other_leaf(case, data) -> None:  # type: ignore[no-untyped-def]
    index, size, proof = case
    other = data.draw(st.integers(0, MAX_SIZE - 1).filter(lambda i: i != index), label="other leaf")
    with pytest.raises(ProofError):
        merkle.verify_inclusion(_tree()[0][other], index, size, proof, _root(size))


@PROPERTY_SETTINGS
@given(consistency_case(min_size1=1, min_size2=2), st.data())
def test_consistency_proof_fails_for_any_other_size1(case, data) -> None:  # type: ignore[no-untyped-def]
    size1, size2, proof = case
    other = data.draw(st.integers(1, size2).filter(lambda s: s != size1), label="other size1")
    with pytest.raises(ProofError):
        merkle.verify_consistency(other, size2, _root(size1), _root(size2), proof)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 100, MAX_SIZE])
def test_getter_api_matches_spec_and_assemble(size: int) -> None:
    """``root_from_subtrees``/``inclusion_proof``/``consistency_proof`` take ``get_node(level, index)``."""
    get = _getter(size)
    reads: list[merkle.Node] = []

    def get_node(level: int, index: int) -> bytes:
        reads.append((level, index))
        return get((level, index))

    assert merkle.root_from_subtrees(size, get_node) == _root(size)
    assert len(reads) == bin(size).count("1")
    for index in {0, size // 2, size - 1} if size else set():
        reads.clear()
        proof = merkle.inclusion_proof(index, size, get_node)
        merkle.verify_inclusion(_tree()[0][index], index, size, proof, _root(size))
        assert len(reads) <= 2 * max(1, size.bit_length()) ** 2  # O(log^2 n) subtrees at most, never O(n)
    for size1 in {s for s in (0, 1, size // 3, size) if s <= size and (s > 0 or size == 0)}:
        proof = merkle.consistency_proof(size1, size, get_node)
        merkle.verify_consistency(size1, size, _root(size1), _root(size), proof)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: merkle.inclusion_proof(3, 3, _getter(3)), "index 3 out of range for tree size 3"),
    (lambda: merkle.inclusion_proof(0, 0, _getter(0)), "index 0 out of range for tree size 0"),
    (lambda: merkle.consistency_proof(4, 3, _getter(3)), "need 0 <= size1 <= size2, got 4 and 3"),
    (lambda: merkle.consistency_proof(0, 3, _getter(3)), r"no consistency proof from the empty tree \(size1 0, size2 3\)"),
], ids=["index-at-size", "empty-tree", "shrinking", "from-empty-tree"])
def test_getter_api_refuses_out_of_range(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert type(info.value) is ValueError
