// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/**
 * @title ICheckpointRegistry
 * @notice Append-only anchor of an RFC 6962 (RFC 9162 §2.1) Merkle log: every checkpoint
 * is a (tree size, root) pair proven, on chain, to extend the previous one.
 */
interface ICheckpointRegistry {
    /**
     * @notice One anchored checkpoint. A value with `treeSize == 0` means "none": size 0
     * (the empty log) is never stored.
     * @param treeSize number of leaves the root commits to
     * @param timestamp block timestamp of the append
     * @param previousSize tree size of the checkpoint this one extends (0 for the first)
     * @param index position in append order (0 for the first)
     * @param root RFC 6962 root hash of the first `treeSize` leaves
     * @param uri the URI passed to the append (where the checkpoint or the log can be
     * fetched), or empty
     */
    struct Checkpoint {
        uint64 treeSize;
        uint64 timestamp;
        uint64 previousSize;
        uint64 index;
        bytes32 root;
        string uri;
    }

    /// @notice The registry was deployed without an administrator.
    error CheckpointRegistryZeroAdmin();

    /// @notice A checkpoint of size 0 was submitted; the empty log is never anchored.
    error CheckpointRegistryZeroSize();

    /// @notice A tree size does not fit the 64 bits RFC 6962 logs use.
    error CheckpointRegistrySizeTooLarge(uint256 treeSize);

    /// @notice `newSize` is below the latest checkpoint's size and was never anchored.
    error CheckpointRegistryNotExtension(uint256 latestSize, uint256 newSize);

    /// @notice A checkpoint of `treeSize` is already anchored with a different root: the log forked.
    error CheckpointRegistryRootConflict(uint256 treeSize, bytes32 anchoredRoot, bytes32 newRoot);

    /// @notice The consistency proof from the latest checkpoint to the new one does not verify.
    error CheckpointRegistryInvalidConsistencyProof(uint256 fromSize, uint256 toSize);

    /**
     * @notice A checkpoint was appended.
     * @param treeSize the new tree size
     * @param root the new root
     * @param previousSize the size of the checkpoint it extends (0 for the first)
     * @param uri where the checkpoint (or the log) can be fetched; may be empty
     * @dev The block's timestamp and the checkpoint's index are in storage
     * ({checkpointBySize}); they are left out of the event to keep appends cheap.
     */
    event CheckpointAppended(uint256 indexed treeSize, bytes32 indexed root, uint256 indexed previousSize, string uri);

    /**
     * @notice Anchor a checkpoint that extends the latest one.
     * @dev Re-sending a checkpoint that is already anchored (same size, same root) is an
     * idempotent success: nothing is stored, no event is emitted and `false` is returned,
     * so an anchorer that crashed after sending can safely send again.
     *
     * Requirements:
     * - the caller has ANCHORER_ROLE;
     * - `newSize` > 0 and fits in 64 bits;
     * - if `newSize` is above the latest size, `consistencyProof` proves, per RFC 9162
     *   §2.1.4, that the tree of `newSize` leaves with root `newRoot` extends the latest
     *   checkpoint; the first checkpoint extends nothing (no proof from the empty tree
     *   exists) and takes an empty proof: a non-empty one is refused with
     *   {CheckpointRegistryInvalidConsistencyProof}(0, newSize);
     * - if a checkpoint of `newSize` exists, its root equals `newRoot`.
     *
     * Emits a {CheckpointAppended} event when a checkpoint is stored.
     * @param newSize tree size of the new checkpoint
     * @param newRoot RFC 6962 root of the new checkpoint
     * @param consistencyProof RFC 6962 consistency proof from the latest checkpoint
     * @param uri optional pointer to the checkpoint, stored as given; up to 31 bytes fit one
     * storage slot (~22,000 gas), an empty URI costs nothing
     * @return appended true if a checkpoint was stored, false if it was already anchored
     */
    function appendCheckpoint(
        uint256 newSize,
        bytes32 newRoot,
        bytes32[] calldata consistencyProof,
        string calldata uri
    ) external returns (bool appended);

    /**
     * @notice RFC 9162 §2.1.3.2 inclusion proof verification.
     * @dev Returns false (never reverts) for any proof that does not verify, including
     * malformed input: index out of range, wrong proof length.
     * @param index 0-based leaf index
     * @param treeSize size of the tree the proof is for
     * @param leafHash RFC 6962 leaf hash (SHA-256 of 0x00 || leaf)
     * @param proof audit path, leaf side first
     * @param root expected root of the tree of `treeSize` leaves
     * @return true if the proof verifies
     */
    function verifyInclusion(
        uint256 index,
        uint256 treeSize,
        bytes32 leafHash,
        bytes32[] calldata proof,
        bytes32 root
    ) external view returns (bool);

    /**
     * @notice RFC 9162 §2.1.4.2 consistency proof verification.
     * @dev Returns false (never reverts) for any proof that does not verify, including
     * malformed input. As in RFC 9162 (and transparency-dev/merkle), a proof from the
     * empty tree (size1 == 0 < size2) never verifies, since it would accept any root; and
     * size1 == size2 needs an empty proof and equal roots.
     * @param size1 size of the older tree
     * @param size2 size of the newer tree
     * @param root1 root of the older tree
     * @param root2 root of the newer tree
     * @param proof consistency proof
     * @return true if the proof verifies
     */
    function verifyConsistency(
        uint256 size1,
        uint256 size2,
        bytes32 root1,
        bytes32 root2,
        bytes32[] calldata proof
    ) external view returns (bool);

    /**
     * @notice The checkpoint of a given tree size.
     * @param size tree size
     * @return checkpoint the checkpoint, or a zeroed one (treeSize 0) if none has that size
     */
    function checkpointBySize(uint256 size) external view returns (Checkpoint memory checkpoint);

    /**
     * @notice The most recent (largest) checkpoint.
     * @return checkpoint the latest checkpoint, or a zeroed one (treeSize 0) if none exists
     */
    function latestCheckpoint() external view returns (Checkpoint memory checkpoint);

    /**
     * @notice How many checkpoints were appended.
     * @return count number of stored checkpoints
     */
    function checkpointCount() external view returns (uint256 count);
}
