"""Compile the Solidity sources with the pinned solcjs build, offline, and cache the result.

The compiler is ``node_modules/solc`` (the exact version Hardhat uses, see
``hardhat.config.js``) behind ``ledger/chain/solc`` (a ``solc``-compatible wrapper that
py-solc-x can run); nothing is ever downloaded and ``solcx.install_solc`` is never
called. The ABI and bytecode are produced only here and cached under ``build/contracts``
keyed by the sources, the settings and the compiler version, so a second run costs one
hash and one file read.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.chain.errors import ToolchainError

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
SOLC_WRAPPER = Path(__file__).resolve().parent / "solc"
CONTRACTS_DIR = REPO_ROOT / "contracts"
DEFAULT_BUILD_DIR = REPO_ROOT / "build" / "contracts"

SOLC_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10000},
    "evmVersion": "shanghai",
}
"""Same as ``hardhat.config.js``. ``shanghai`` because it is the newest EVM every target
runs (Ganache 7, Hardhat, anvil, py-evm); 10,000 optimizer runs favour the append, paid
on every checkpoint, over the one-off deployment."""


@dataclass(frozen=True)
class CompiledContract:
    """One contract's ABI and creation bytecode, with the compiler that produced them."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    solc_version: str
    source_hash: str


def solc_version() -> str:
    """The long version string of the bundled solcjs (e.g. ``0.8.30+commit.73712a01...``)."""
    _require_toolchain()
    out = subprocess.run([str(SOLC_WRAPPER), "--version"], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].removeprefix("Version: ").strip()


def compile_sources(sources: list[Path], *, build_dir: Path | None = None) -> dict[str, CompiledContract]:
    """Compile ``sources`` (and their imports) and return every contract with bytecode, by name.

    Raises :class:`ToolchainError` if node_modules is missing or solc reports an error.
    """
    _require_toolchain()
    build_dir = DEFAULT_BUILD_DIR if build_dir is None else build_dir
    units = {_unit_name(p): p.read_text(encoding="utf-8") for p in sorted(sources)}
    version = solc_version()
    lock = (REPO_ROOT / "package-lock.json").read_bytes() if (REPO_ROOT / "package-lock.json").exists() else b""
    key = hashlib.sha256(json.dumps([version, SOLC_SETTINGS, units, hashlib.sha256(lock).hexdigest()],
                                    sort_keys=True).encode()).hexdigest()
    cached = build_dir / f"{key[:32]}.json"
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
    else:
        data = {"solc_version": version, "source_hash": key, "contracts": _run_solc(units)}
        build_dir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(cached)
    return {name: CompiledContract(name, c["abi"], c["bytecode"], data["solc_version"], data["source_hash"])
            for name, c in data["contracts"].items()}


def registry_contract(*, build_dir: Path | None = None) -> CompiledContract:
    """The compiled ``CheckpointRegistry`` from ``contracts/``."""
    return compile_sources(sorted(CONTRACTS_DIR.glob("*.sol")), build_dir=build_dir)["CheckpointRegistry"]


def _unit_name(path: Path) -> str:
    path = path.resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError as exc:
        raise ToolchainError(f"source {path} is outside the repository {REPO_ROOT}") from exc


def _run_solc(units: dict[str, str]) -> dict[str, dict[str, Any]]:
    import solcx  # imported here: only the compile step needs it

    request = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in units.items()},
        "settings": {**SOLC_SETTINGS, "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
    }
    try:
        output = solcx.compile_standard(request, solc_binary=SOLC_WRAPPER, allow_empty=True)
    except solcx.exceptions.SolcError as exc:
        raise ToolchainError(f"solc failed: {exc}") from exc
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ToolchainError("solc refused the sources:\n" + "\n".join(errors))
    contracts: dict[str, dict[str, Any]] = {}
    for unit, by_name in output.get("contracts", {}).items():
        for name, c in by_name.items():
            code = c["evm"]["bytecode"]["object"]
            if code and unit in units:
                contracts[name] = {"abi": c["abi"], "bytecode": "0x" + code}
    return contracts


def _require_toolchain() -> None:
    if not (NODE_MODULES / "solc" / "soljson.js").exists():
        raise ToolchainError(f"{NODE_MODULES / 'solc'} is missing: run `make node_modules/.installed` (npm ci)")
