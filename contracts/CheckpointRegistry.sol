// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ICheckpointRegistry} from "./ICheckpointRegistry.sol";

/**
 * @title CheckpointRegistry
 * @notice Anchors checkpoints of CarbonLedger's RFC 6962 Merkle log. Each append must
 * carry an RFC 9162 §2.1.4 consistency proof from the latest checkpoint, verified here
 * with the SHA-256 precompile, so the registry only ever holds append-only extensions.
 * @dev Storage per checkpoint: one packed slot (size, timestamp, previous size, index),
 * the root, and the URI hash only when a URI is given. No function loops over storage;
 * the proof loops are bounded by the calldata proof length and by 256 bits.
 */
contract CheckpointRegistry is ICheckpointRegistry, AccessControl {
    /// @notice Role allowed to append checkpoints (the ledger service's anchoring key).
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @dev RFC 6962 §2.1 interior node prefix: a node hash is SHA-256(0x01 || left || right).
    bytes1 private constant NODE_PREFIX = 0x01;

    mapping(uint256 treeSize => Checkpoint) private _checkpoints;
    uint64 private _latestSize;
    uint64 private _count;

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
        uint64 latestSize = _latestSize;
        if (newSize <= latestSize) {
            Checkpoint storage existing = _checkpoints[newSize];
            if (existing.treeSize == 0) revert CheckpointRegistryNotExtension(latestSize, newSize);
            if (existing.root != newRoot) revert CheckpointRegistryRootConflict(newSize, existing.root, newRoot);
            return false; // already anchored: idempotent success
        }
        bytes32 latestRoot = latestSize == 0 ? bytes32(0) : _checkpoints[latestSize].root;
        if (!_verifyConsistency(latestSize, newSize, latestRoot, newRoot, consistencyProof)) {
            revert CheckpointRegistryInvalidConsistencyProof(latestSize, newSize);
        }

        uint64 index = _count;
        Checkpoint storage cp = _checkpoints[newSize];
        cp.treeSize = uint64(newSize);
        cp.timestamp = uint64(block.timestamp);
        cp.previousSize = latestSize;
        cp.index = index;
        cp.root = newRoot;
        if (bytes(uri).length != 0) cp.uriHash = keccak256(bytes(uri));
        _latestSize = uint64(newSize);
        _count = index + 1;

        emit CheckpointAppended(newSize, newRoot, latestSize, index, block.timestamp, uri);
        return true;
    }

    /// @inheritdoc ICheckpointRegistry
    function verifyInclusion(
        uint256 index,
        uint256 treeSize,
        bytes32 leafHash,
        bytes32[] calldata proof,
        bytes32 root
    ) external pure returns (bool) {
        if (index >= treeSize) return false;
        (uint256 inner, uint256 border) = _decompInclProof(index, treeSize);
        if (proof.length != inner + border) return false;
        bytes32 h = _chainInner(leafHash, proof[:inner], index);
        return _chainBorderRight(h, proof[inner:]) == root;
    }

    /// @inheritdoc ICheckpointRegistry
    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return _verifyConsistency(size1, size2, root1, root2, proof);
    }

    /// @inheritdoc ICheckpointRegistry
    function checkpointBySize(uint256 size) external view returns (Checkpoint memory checkpoint) {
        return _checkpoints[size];
    }

    /// @inheritdoc ICheckpointRegistry
    function latestCheckpoint() external view returns (Checkpoint memory checkpoint) {
        return _checkpoints[_latestSize];
    }

    /// @inheritdoc ICheckpointRegistry
    function checkpointCount() external view returns (uint256 count) {
        return _count;
    }

    /// @dev RFC 9162 §2.1.4.2, following transparency-dev/merkle proof.VerifyConsistency.
    function _verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) private pure returns (bool) {
        if (size2 < size1) return false;
        if (size1 == size2) return proof.length == 0 && root1 == root2;
        if (size1 == 0) return proof.length == 0;
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
    ) private pure returns (bool wellFormed, bytes32 hash1, bytes32 hash2) {
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
        hash1 = _chainBorderRight(_chainInnerRight(seed, proof[:inner], mask), proof[inner:]);
        hash2 = _chainBorderRight(_chainInner(seed, proof[:inner], mask), proof[inner:]);
        wellFormed = true;
    }

    /// @dev Lengths of the inner and border parts of the inclusion proof of `index` in `size`.
    function _decompInclProof(uint256 index, uint256 size) private pure returns (uint256 inner, uint256 border) {
        inner = _bitLength(index ^ (size - 1));
        border = _onesCount(index >> inner);
    }

    function _chainInner(bytes32 seed, bytes32[] calldata proof, uint256 index) private pure returns (bytes32) {
        for (uint256 i = 0; i < proof.length; ++i) {
            if ((index >> i) & 1 == 0) {
                seed = _hashChildren(seed, proof[i]);
            } else {
                seed = _hashChildren(proof[i], seed);
            }
        }
        return seed;
    }

    function _chainInnerRight(bytes32 seed, bytes32[] calldata proof, uint256 index) private pure returns (bytes32) {
        for (uint256 i = 0; i < proof.length; ++i) {
            if ((index >> i) & 1 == 1) seed = _hashChildren(proof[i], seed);
        }
        return seed;
    }

    function _chainBorderRight(bytes32 seed, bytes32[] calldata proof) private pure returns (bytes32) {
        for (uint256 i = 0; i < proof.length; ++i) {
            seed = _hashChildren(proof[i], seed);
        }
        return seed;
    }

    function _hashChildren(bytes32 left, bytes32 right) private pure returns (bytes32) {
        return sha256(abi.encodePacked(NODE_PREFIX, left, right));
    }

    function _bitLength(uint256 x) private pure returns (uint256 n) {
        while (x != 0) {
            ++n;
            x >>= 1;
        }
    }

    function _onesCount(uint256 x) private pure returns (uint256 n) {
        while (x != 0) {
            n += x & 1;
            x >>= 1;
        }
    }

    function _trailingZeros(uint256 x) private pure returns (uint256 n) {
        // x > 0 here (size1 > 0).
        while (x & 1 == 0) {
            ++n;
            x >>= 1;
        }
    }
}
