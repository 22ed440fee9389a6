// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/**
 * @title NaiveRecordStore
 * @notice The usual "blockchain supply chain" design CarbonLedger's gas bench compares
 * against: every record stored on chain as a struct (hash, timestamp, submitter).
 * @dev Bench only, deliberately minimal (no events, no roles) so it is the cheapest
 * version of that design.
 */
contract NaiveRecordStore {
    struct Record {
        bytes32 recordHash;
        uint64 timestamp;
        address submitter;
    }

    Record[] private _records;

    /**
     * @notice Store one record.
     * @param recordHash hash of the record
     */
    function store(bytes32 recordHash) external {
        _records.push(Record(recordHash, uint64(block.timestamp), msg.sender));
    }

    /**
     * @notice Store many records in one transaction.
     * @param recordHashes hashes of the records
     */
    function storeBatch(bytes32[] calldata recordHashes) external {
        for (uint256 i = 0; i < recordHashes.length; ++i) {
            _records.push(Record(recordHashes[i], uint64(block.timestamp), msg.sender));
        }
    }

    /**
     * @notice Number of stored records.
     * @return count how many records are stored
     */
    function recordCount() external view returns (uint256 count) {
        return _records.length;
    }
}
