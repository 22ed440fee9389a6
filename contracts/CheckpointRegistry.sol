// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ICheckpointRegistry} from "./ICheckpointRegistry.sol";

/**
 * @title CheckpointRegistry
 * @notice Anchors checkpoints of CarbonLedger's RFC 6962 Merkle log. Each append must
 * carry an RFC 9162 §2.1.4 consistency proof from the latest checkpoint, verified here
 * with the SHA-256 precompile, so the registry only ever holds append-only extensions.
 * @dev Storage per checkpoint: one packed word (size, timestamp, previous size, index),
 * the root, and the URI only when one is given; each written with one SSTORE (no
 * read-modify-write of packed struct fields), which keeps an append under 100 gas per
 * record at 1,000 records per checkpoint. No function loops over storage; the proof loops
 * are bounded by the calldata proof length and the bit loops by 256.
 */
contract CheckpointRegistry is ICheckpointRegistry, AccessControl {
    /// @notice Role allowed to append checkpoints (the ledger service's anchoring key).
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @dev RFC 6962 §2.1 interior node prefix: a node hash is SHA-256(0x01 || left || right).
    bytes1 private constant NODE_PREFIX = 0x01;

    /// @dev treeSize | timestamp << 64 | previousSize << 128 | index << 192; zero if never anchored.
    mapping(uint256 treeSize => uint256) private _packed;
    mapping(uint256 treeSize => bytes32) private _roots;
    mapping(uint256 treeSize => string) private _uris;
    /// @dev latest size | checkpoint count << 64, one word so an append reads and writes it once.
    uint256 private _head;

    /**
     * @notice Deploy an empty registry administered by `admin`.
     * @dev `admin` receives DEFAULT_ADMIN_ROLE and grants ANCHORER_ROLE with {grantRole}.
     *
     * Requirements:
     * - `admin` is not the zero address.
     * @param admin the account that manages roles
     */
    constructor(address admin) {
        if (admin == address(0)) revert CheckpointRegistryZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc ICheckpointRegistry
    function appendCheckpoint(
        uint256 newSize,
        bytes32 newRoot,
        bytes32[] calldata consistencyProof,
        string calldata uri
    ) external onlyRole(ANCHORER_ROLE) returns (bool appended) {
        if (newSize == 0) revert CheckpointRegistryZeroSize();
        if (newSize > type(uint64).max) revert CheckpointRegistrySizeTooLarge(newSize);
        uint256 head = _head;
        uint256 latestSize = uint64(head);
        if (newSize <= latestSize) {
            if (_packed[newSize] == 0) revert CheckpointRegistryNotExtension(latestSize, newSize);
            bytes32 anchoredRoot = _roots[newSize];
            if (anchoredRoot != newRoot) revert CheckpointRegistryRootConflict(newSize, anchoredRoot, newRoot);
            return false; // already anchored: idempotent success
        }
        if (latestSize == 0) {
            // The first checkpoint extends nothing: RFC 9162 has no proof from the empty tree
            // (verifyConsistency refuses size1 == 0), so none is checked and none may be sent;
            // a non-empty one is refused so no caller believes that something was verified.
            if (consistencyProof.length != 0) revert CheckpointRegistryInvalidConsistencyProof(0, newSize);
        } else if (!_verifyConsistency(latestSize, newSize, _roots[latestSize], newRoot, consistencyProof)) {
            revert CheckpointRegistryInvalidConsistencyProof(latestSize, newSize);
        }

        uint256 index = head >> 64;
        _packed[newSize] = newSize | (block.timestamp << 64) | (latestSize << 128) | (index << 192);
        _roots[newSize] = newRoot;
        if (bytes(uri).length != 0) _uris[newSize] = uri;
        _head = newSize | ((index + 1) << 64);

        emit CheckpointAppended(newSize, newRoot, latestSize, uri);
        return true;
    }

    /// @inheritdoc ICheckpointRegistry
    function verifyInclusion(
        uint256 index,
        uint256 treeSize,
        bytes32 leafHash,
        bytes32[] calldata proof,
        bytes32 root
    ) external view returns (bool) {
        if (index >= treeSize) return false;
        (uint256 inner, uint256 border) = _decompInclProof(index, treeSize);
        if (proof.length != inner + border) return false;
        return _chainInclusion(leafHash, proof, inner, index) == root;
    }

    /// @inheritdoc ICheckpointRegistry
    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external view returns (bool) {
        return _verifyConsistency(size1, size2, root1, root2, proof);
    }

    /// @inheritdoc ICheckpointRegistry
    function checkpointBySize(uint256 size) external view returns (Checkpoint memory checkpoint) {
        if (size <= type(uint64).max) checkpoint = _load(size);
    }

    /// @inheritdoc ICheckpointRegistry
    function latestCheckpoint() external view returns (Checkpoint memory checkpoint) {
        return _load(uint64(_head));
    }

    /// @inheritdoc ICheckpointRegistry
    function checkpointCount() external view returns (uint256 count) {
        return _head >> 64;
    }

    /// @dev The stored checkpoint of `size`, or a zeroed one.
    function _load(uint256 size) private view returns (Checkpoint memory checkpoint) {
        uint256 packed = _packed[size];
        if (packed == 0) return checkpoint;
        checkpoint = Checkpoint({
            treeSize: uint64(packed),
            timestamp: uint64(packed >> 64),
            previousSize: uint64(packed >> 128),
            index: uint64(packed >> 192),
            root: _roots[size],
            uri: _uris[size]
        });
    }

    /**
     * @dev RFC 9162 §2.1.4.2, following transparency-dev/merkle proof.VerifyConsistency: a
     * proof from the empty tree (size1 == 0 < size2) is always false, since any root would
     * pass it; 0 == 0 is the equal-size case.
     */
    function _verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) private view returns (bool) {
        if (size2 < size1) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (size1 == 0) return false;
        if (proof.length == 0) return false;

        (bool wellFormed, bytes32 hash1, bytes32 hash2) = _consistencyRoots(size1, size2, root1, proof);
        return wellFormed && hash1 == root1 && hash2 == root2;
    }

    /// @dev The roots of the old and the new tree that `proof` implies (size1 < size2, size1 > 0).
    function _consistencyRoots(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32[] calldata proof
    ) private view returns (bool wellFormed, bytes32 hash1, bytes32 hash2) {
        (uint256 inner, uint256 border) = _decompInclProof(size1 - 1, size2);
        uint256 mask;
        {
            uint256 shift = _trailingZeros(size1);
            inner -= shift; // shift < inner because size1 < size2
            mask = (size1 - 1) >> shift;
        }
        bytes32 seed = root1; // size1 is a power of two (mask == 0): the old root is a node of the new tree
        if (mask != 0) {
            seed = proof[0];
            proof = proof[1:];
        }
        if (proof.length != inner + border) return (false, 0, 0);
        (hash1, hash2) = _chainBoth(seed, proof, inner, mask);
        wellFormed = true;
    }

    /// @dev Lengths of the inner and border parts of the inclusion proof of `index` in `size`.
    function _decompInclProof(uint256 index, uint256 size) private pure returns (uint256 inner, uint256 border) {
        inner = _bitLength(index ^ (size - 1));
        border = _onesCount(index >> inner);
    }

    /**
     * @dev transparency-dev's chainInnerRight + chainBorderRight (hash1, the old root) and
     * chainInner + chainBorderRight (hash2, the new root) in one pass over the proof; while
     * both chains are equal a shared step is hashed once.
     */
    function _chainBoth(
        bytes32 seed,
        bytes32[] calldata proof,
        uint256 inner,
        uint256 mask
    ) private view returns (bytes32 hash1, bytes32 hash2) {
        hash1 = seed;
        hash2 = seed;
        bytes1 prefix = NODE_PREFIX;
        // The loop of {_hashChildren} unrolled in assembly: the append's gas is dominated by
        // this loop, and a proof element costs ~30% less this way. Input to the precompile is
        // prefix || left || right at the free memory pointer (not allocated, as in _hashChildren).
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, prefix)
            let left := add(ptr, 1)
            let right := add(ptr, 33)
            for { let i := 0 } lt(i, proof.length) { i := add(i, 1) } {
                let p := calldataload(add(proof.offset, shl(5, i)))
                switch and(lt(i, inner), iszero(and(shr(i, mask), 1)))
                case 1 {
                    // inner step with the old tree on the left: only the new root's chain moves
                    mstore(left, hash2)
                    mstore(right, p)
                    if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) { revert(0, 0) }
                    hash2 := mload(0x00)
                }
                default {
                    // p on the left of both chains; hashed once while the chains coincide
                    let same := eq(hash1, hash2)
                    mstore(left, p)
                    mstore(right, hash1)
                    if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) { revert(0, 0) }
                    hash1 := mload(0x00)
                    switch same
                    case 1 { hash2 := hash1 }
                    default {
                        mstore(right, hash2)
                        if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) { revert(0, 0) }
                        hash2 := mload(0x00)
                    }
                }
            }
        }
    }

    /// @dev chainInner + chainBorderRight of transparency-dev/merkle (inclusion proofs).
    function _chainInclusion(
        bytes32 seed,
        bytes32[] calldata proof,
        uint256 inner,
        uint256 index
    ) private view returns (bytes32) {
        unchecked {
            for (uint256 i = 0; i < proof.length; ++i) {
                if (i < inner && (index >> i) & 1 == 0) {
                    seed = _hashChildren(seed, proof[i]);
                } else {
                    seed = _hashChildren(proof[i], seed);
                }
            }
        }
        return seed;
    }

    /**
     * @dev RFC 6962 interior node hash SHA-256(0x01 || left || right), i.e.
     * `sha256(abi.encodePacked(NODE_PREFIX, left, right))`, through the SHA-256 precompile
     * (address 0x02) with the 65-byte input placed at the free memory pointer without
     * allocating it: the high-level form allocates 97 bytes per hash and costs about
     * twice as much gas in a proof loop.
     */
    function _hashChildren(bytes32 left, bytes32 right) private view returns (bytes32 h) {
        bytes1 prefix = NODE_PREFIX;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, prefix)
            mstore(add(ptr, 1), left)
            mstore(add(ptr, 33), right)
            if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) {
                revert(0, 0)
            }
            h := mload(0x00)
        }
    }

    /// @dev Number of bits needed to represent x (Go's bits.Len), by binary search.
    function _bitLength(uint256 x) private pure returns (uint256 n) {
        unchecked {
            for (uint256 shift = 128; shift != 0; shift >>= 1) {
                if (x >> shift != 0) {
                    x >>= shift;
                    n += shift;
                }
            }
            n += x; // x is 0 or 1 here
        }
    }

    /// @dev Number of set bits (Go's bits.OnesCount); one iteration per set bit.
    function _onesCount(uint256 x) private pure returns (uint256 n) {
        unchecked {
            while (x != 0) {
                x &= x - 1;
                ++n;
            }
        }
    }

    /// @dev Number of trailing zero bits of x > 0 (Go's bits.TrailingZeros).
    function _trailingZeros(uint256 x) private pure returns (uint256) {
        unchecked {
            return _bitLength(x & (~x + 1)) - 1;
        }
    }
}
