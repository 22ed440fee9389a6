"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs: pure, no I/O.

The log commits to its leaves with the RFC 6962 tree hash: a leaf hashes as
``SHA-256(0x00 || data)``, an interior node as ``SHA-256(0x01 || left || right)``, and a
tree of ``n`` leaves splits at the largest power of two smaller than ``n``. Verification
follows transparency-dev/merkle's ``proof/verify.go`` step for step, so every edge case
(empty trees, equal sizes, out-of-range index, proofs of the wrong length) is decided the
way the reference decides it, and the shared RFC 6962 test vectors pass.

Proof *generation* is expressed over perfect subtrees: every hash a proof needs is the
RFC 6962 hash of a range of leaves, and every such range is a fold of a few perfect
subtrees ``(level, index)`` (the ``2**level`` leaves from ``index * 2**level``). The store
reads those subtree hashes and this module assembles them, so a proof costs O(log n)
reads and never rebuilds the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

LEAF_PREFIX = b"\x00"
"""RFC 6962 §2.1: domain separation of leaves, so a leaf can never pass as a node."""

NODE_PREFIX = b"\x01"
"""RFC 6962 §2.1: domain separation of interior nodes."""

HASH_SIZE = 32
"""SHA-256 digest length; any proof element or root of another length is malformed."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""RFC 6962 §2.1: the hash of an empty tree is the hash of the empty string."""

Node = tuple[int, int]
"""A perfect subtree: ``(level, index)`` covers leaves ``[index << level, (index + 1) << level)``."""


class ProofError(ValueError):
    """A proof does not hold, or its inputs are malformed; the only error verification raises."""


class RootMismatchError(ProofError):
    """The root a proof leads to differs from the root it was checked against."""

    def __init__(self, expected: bytes, calculated: bytes) -> None:
        super().__init__(f"calculated root {calculated.hex()} does not match expected root {expected.hex()}")
        self.expected = expected
        self.calculated = calculated


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash ``SHA-256(0x00 || data)``: what the log commits to for one entry."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash ``SHA-256(0x01 || left || right)`` (no length checks: hot path)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


# -- verification (transparency-dev/merkle proof/verify.go) --------------------------------

def _check_hash(name: str, value: object) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise ProofError(f"{name} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} has {len(value)} bytes, want {HASH_SIZE}")
    return bytes(value)


def _check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _check_proof(proof: object) -> list[bytes]:
    if proof is None:
        return []
    if not isinstance(proof, (list, tuple)):
        raise ProofError(f"proof must be a list of hashes, got {type(proof).__name__}")
    return [_check_hash(f"proof[{i}]", p) for i, p in enumerate(proof)]


def _inner_proof_size(index: int, size: int) -> int:
    return (index ^ (size - 1)).bit_length()


def _decomp_incl_proof(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion proof's length into the part below and above the tree's right border."""
    inner = _inner_proof_size(index, size)
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _verify_match(calculated: bytes, expected: bytes) -> None:
    if calculated != expected:
        raise RootMismatchError(expected, calculated)


def root_from_inclusion_proof(leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (no comparison); raises :class:`ProofError`."""
    index = _check_size("index", index)
    tree_size = _check_size("tree_size", tree_size)
    if index >= tree_size:
        raise ProofError(f"index {index} is beyond tree size {tree_size}")
    leaf = _check_hash("leaf_hash", leaf_hash)
    path = _check_proof(proof)
    inner, border = _decomp_incl_proof(index, tree_size)
    if len(path) != inner + border:
        raise ProofError(f"wrong proof size {len(path)}, want {inner + border}")
    res = _chain_inner(leaf, path[:inner], index)
    return _chain_border_right(res, path[inner:])


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: list[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``tree_size`` with ``root``.

    Raises :class:`ProofError` (and nothing else) if it is not, or if any input is
    malformed (wrong hash length, index out of range, proof of the wrong length).
    """
    calculated = root_from_inclusion_proof(leaf_hash, index, tree_size, proof)
    if not isinstance(root, (bytes, bytearray)):
        raise ProofError(f"root must be bytes, got {type(root).__name__}")
    _verify_match(calculated, bytes(root))


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``.

    Follows RFC 9162 §2.1.4.2 as transparency-dev/merkle does: equal sizes need an empty
    proof and equal roots; a proof *from* the empty tree (``size1 == 0 < size2``) is always
    refused, because it proves nothing (any root would pass) and a verifier that accepted it
    would report "consistent" for a log it never checked; otherwise the proof must have
    exactly the reference length. Raises :class:`ProofError` and nothing else.
    """
    size1 = _check_size("size1", size1)
    size2 = _check_size("size2", size2)
    path = _check_proof(proof)
    for name, value in (("root1", root1), ("root2", root2)):
        if not isinstance(value, (bytes, bytearray)):
            raise ProofError(f"{name} must be bytes, got {type(value).__name__}")
    root1, root2 = bytes(root1), bytes(root2)
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    if size1 == size2:
        if path:
            raise ProofError("size1 == size2, but the proof is not empty")
        _verify_match(root1, root2)
        return
    if size1 == 0:
        raise ProofError(f"no consistency proof from the empty tree (size1 0, size2 {size2}): it proves nothing")
    if not path:
        raise ProofError("empty proof")

    inner, border = _decomp_incl_proof(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    if size1 == 1 << shift:
        seed, start = root1, 0
    else:
        seed, start = path[0], 1
    if len(path) != start + inner + border:
        raise ProofError(f"wrong proof size {len(path)}, want {start + inner + border}")
    path = path[start:]
    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, path[:inner], mask), path[inner:])
    _verify_match(hash1, root1)
    hash2 = _chain_border_right(_chain_inner(seed, path[:inner], mask), path[inner:])
    _verify_match(hash2, root2)


# -- generation over perfect subtrees -------------------------------------------------

def _largest_power_of_two_below(n: int) -> int:
    """RFC 6962's split point k: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[Node]:
    """Perfect subtrees whose right-to-left fold is the RFC 6962 hash of leaves [start, end).

    Precondition (always true for the ranges RFC 6962 proofs use): ``start`` is a
    multiple of the largest power of two not exceeding ``end - start``, or ``start == 0``.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    nodes: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start & ((1 << level) - 1):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the perfect-subtree hashes of :func:`range_nodes` into the range's hash."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_spec(size: int) -> list[Node]:
    """The perfect subtrees of a tree of ``size`` leaves (empty for the empty tree)."""
    return range_nodes(0, size) if size else []


def inclusion_spec(index: int, size: int) -> list[list[Node]]:
    """Which ranges make up the inclusion proof of leaf ``index`` (RFC 6962 §2.1.1 PATH).

    Each element lists the perfect subtrees that fold into one proof hash, leaf first.
    """
    if not 0 <= index < size:
        raise ValueError(f"index {index} out of range for tree size {size}")
    out: list[list[Node]] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index - start < k:
            out.append(range_nodes(start + k, end))
            end = start + k
        else:
            out.append(range_nodes(start, start + k))
            start += k
    out.reverse()
    return out


def consistency_spec(size1: int, size2: int) -> list[list[Node]]:
    """Which ranges make up the consistency proof from ``size1`` to ``size2`` (RFC 6962 §2.1.2).

    Raises ``ValueError`` unless ``0 <= size1 <= size2``, and for ``size1 == 0 < size2``:
    :func:`verify_consistency` refuses every proof from the empty tree, so none is made.
    """
    if not 0 <= size1 <= size2:
        raise ValueError(f"need 0 <= size1 <= size2, got {size1} and {size2}")
    if size1 == size2:
        return []
    if size1 == 0:
        raise ValueError(f"no consistency proof from the empty tree (size1 0, size2 {size2}): it proves nothing")
    out: list[list[Node]] = []
    start, end, m, complete = 0, size2, size1, True
    while m != end - start:
        n = end - start
        k = _largest_power_of_two_below(n)
        if m <= k:
            out.append(range_nodes(start + k, end))
            end = start + k
        else:
            out.append(range_nodes(start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        out.append(range_nodes(start, end))
    out.reverse()
    return out


def assemble(spec: Iterable[Sequence[Node]], get: Callable[[Node], bytes]) -> list[bytes]:
    """Turn a proof spec into hashes using ``get`` for perfect subtree hashes."""
    return [fold([get(node) for node in part]) for part in spec]


NodeGetter = Callable[[int, int], bytes]
"""``get_node(level, index)``: hash of the perfect subtree of ``2**level`` leaves from ``index << level``."""


def root_from_subtrees(size: int, get_node: NodeGetter) -> bytes:
    """Root of the first ``size`` leaves, from at most one perfect subtree per set bit of ``size``."""
    spec = root_spec(size)
    return fold([get_node(*node) for node in spec]) if spec else EMPTY_ROOT


def inclusion_proof(index: int, size: int, get_node: NodeGetter) -> list[bytes]:
    """RFC 6962 §2.1.1 audit path of leaf ``index`` in the tree of ``size`` leaves, O(log n) reads.

    Raises ``ValueError`` unless ``0 <= index < size``.
    """
    return assemble(inclusion_spec(index, size), lambda node: get_node(*node))


def consistency_proof(size1: int, size2: int, get_node: NodeGetter) -> list[bytes]:
    """RFC 6962 §2.1.2 consistency proof from ``size1`` to ``size2`` leaves, O(log n) reads.

    Empty when ``size1`` equals ``size2`` (RFC 9162 §2.1.4); raises ``ValueError`` unless
    ``0 < size1 <= size2`` or ``size1 == size2 == 0`` (see :func:`consistency_spec`).
    """
    return assemble(consistency_spec(size1, size2), lambda node: get_node(*node))


def perfect_root(leaves: Sequence[bytes]) -> bytes:
    """Hash of a perfect subtree from its 2**k bottom hashes (pairwise, level by level)."""
    level = list(leaves)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """Reference RFC 6962 root of a list of leaf hashes, for tests and small trees."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _largest_power_of_two_below(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class CompactRange:
    """Streaming RFC 6962 root: append leaf hashes one by one, ask for the root at any time.

    Holds one hash per set bit of the size (at most 64), so an auditor can recompute the
    root of a log of any length from its leaves without holding them.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []  # perfect subtree hashes, largest first

    def append(self, leaf: bytes) -> None:
        self._stack.append(leaf)
        n = self.size
        while n & 1:
            right = self._stack.pop()
            self._stack[-1] = node_hash(self._stack[-1], right)
            n >>= 1
        self.size += 1

    def root(self) -> bytes:
        return fold(self._stack) if self._stack else EMPTY_ROOT
