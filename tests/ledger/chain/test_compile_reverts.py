"""The offline compile step and revert decoding, independent of any node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from ledger.chain.compile import CONTRACTS_DIR, compile_sources, registry_contract, solc_version
from ledger.chain.reverts import ErrorDecoder

ABI = [
    {"type": "error", "name": "CheckpointRegistryNotExtension",
     "inputs": [{"name": "latestSize", "type": "uint256"}, {"name": "newSize", "type": "uint256"}]},
    {"type": "error", "name": "AccessControlUnauthorizedAccount",
     "inputs": [{"name": "account", "type": "address"}, {"name": "neededRole", "type": "bytes32"}]},
]
NOT_EXTENSION = function_signature_to_4byte_selector("CheckpointRegistryNotExtension(uint256,uint256)") + encode(
    ["uint256", "uint256"], [7, 5])


@pytest.fixture(scope="module")
def registry_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("build")
    try:
        registry_contract(build_dir=build)
    except Exception as exc:  # ToolchainError: node_modules absent
        pytest.skip(f"solc is not installed ({exc}); `make test` installs node_modules with npm ci")
    return build


def test_compiles_with_the_pinned_solcjs_and_caches(registry_build: Path) -> None:
    assert solc_version().startswith("0.8.30+commit.")
    first = registry_contract(build_dir=registry_build)
    assert first.solc_version.startswith("0.8.30+")
    assert first.bytecode.startswith("0x60") and len(first.bytecode) > 1000
    names = {e["name"] for e in first.abi if e["type"] == "error"}
    assert {"CheckpointRegistryNotExtension", "CheckpointRegistryRootConflict", "CheckpointRegistryZeroSize",
            "CheckpointRegistryInvalidConsistencyProof", "AccessControlUnauthorizedAccount"} <= names
    [cached] = list(registry_build.glob("*.json"))
    assert json.loads(cached.read_text())["source_hash"] == first.source_hash
    cached.write_text(cached.read_text().replace(first.bytecode, "0xfeed"))
    assert registry_contract(build_dir=registry_build).bytecode == "0xfeed"  # served from the cache


def test_a_changed_source_is_recompiled(registry_build: Path, tmp_path: Path) -> None:
    sources = sorted(CONTRACTS_DIR.glob("*.sol"))
    key = registry_contract(build_dir=registry_build).source_hash
    naive = Path(__file__).resolve().parents[3] / "bench" / "contracts" / "NaiveRecordStore.sol"
    both = compile_sources([*sources, naive], build_dir=tmp_path)
    assert set(both) >= {"CheckpointRegistry", "NaiveRecordStore"}
    assert both["CheckpointRegistry"].source_hash != key


@pytest.mark.parametrize(
    "exc",
    [
        ContractCustomError("0x" + NOT_EXTENSION.hex(), data="0x" + NOT_EXTENSION.hex()),  # anvil
        ContractLogicError("execution reverted: custom error",  # hardhat node
                           data={"message": "reverted with custom error", "data": "0x" + NOT_EXTENSION.hex()}),
        Web3RPCError("reverted", rpc_response={"error": {"code": -32603, "data": {"data": "0x" + NOT_EXTENSION.hex()}}}),
    ],
    ids=["anvil", "hardhat-call", "hardhat-send"],
)
def test_reverts_decode_identically_whatever_the_node(exc: Exception) -> None:
    revert = ErrorDecoder(ABI).from_exception(exc)
    assert revert is not None
    assert (revert.name, revert.error_args, revert.params) == (
        "CheckpointRegistryNotExtension", (7, 5), {"latestSize": 7, "newSize": 5})


def test_eth_tester_bytes_repr_and_reasons() -> None:
    from eth_tester.exceptions import TransactionFailed

    decoder = ErrorDecoder(ABI)
    wrapped = TransactionFailed(f"execution reverted: {NOT_EXTENSION!r}")
    assert decoder.from_exception(wrapped).error_args == (7, 5)  # type: ignore[union-attr]
    reason = decoder.from_exception(TransactionFailed("execution reverted: nope"))
    assert reason is not None and (reason.name, reason.error_args) == ("Error", ("nope",))


def test_error_string_panic_unknown_and_non_reverts() -> None:
    decoder = ErrorDecoder(ABI)
    assert decoder.decode(bytes.fromhex("08c379a0") + encode(["string"], ["boom"])).error_args == ("boom",)
    panic = decoder.decode(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert (panic.name, panic.error_args) == ("Panic", (0x11,))
    unknown = decoder.decode(bytes.fromhex("deadbeef"))
    assert (unknown.name, unknown.error_args) == ("Unknown", ("deadbeef",))
    assert decoder.from_exception(ConnectionError("refused")) is None
