"""Helpers shared by the chain tests: RFC 6962 trees, the shared vectors, dev nodes.

Nodes come from node_modules (``make test`` installs it with ``npm ci``); without it the
tests that need a node skip with that reason.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ledger import merkle
from ledger.chain.compile import NODE_MODULES
from ledger.chain.node import AnvilNode, anvil_binary, free_port, rpc_answers

REPO_ROOT = Path(__file__).resolve().parent.parent

def leaves(n: int, tag: str = "record") -> list[bytes]:
    """Leaf hashes of a deterministic log of ``n`` records."""
    return [merkle.leaf_hash(f"{tag}-{i}".encode()) for i in range(n)]

def _subtree(hashes: list[bytes]) -> Any:
    return lambda node: merkle.perfect_root(hashes[node[1] << node[0]:(node[1] + 1) << node[0]])

def consistency_proof(hashes: list[bytes], size1: int, size2: int) -> list[bytes]:
    """RFC 6962 consistency proof between two prefixes of ``hashes``."""
    return merkle.assemble(merkle.consistency_spec(size1, size2), _subtree(hashes))

def inclusion_proof(hashes: list[bytes], index: int, size: int) -> list[bytes]:
    return merkle.assemble(merkle.inclusion_spec(index, size), _subtree(hashes))

def merkle_vectors(standards_dir: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(name, vector) for every shared ``merkle-vectors/<kind>/*/*.json``, base64 decoded."""
    out = []
    for path in sorted((standards_dir / "merkle-vectors" / kind).glob("*/*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        vector = {k: (base64.b64decode(v) if isinstance(v, str) and k not in ("desc",) else v) for k, v in raw.items()}
        vector["proof"] = [base64.b64decode(p) for p in (raw.get("proof") or [])]
        out.append((f"{path.parent.name}/{path.name}", vector))
    return out

def require_anvil() -> Path:
    try:
        return anvil_binary()
    except Exception as exc:  # ToolchainError: node_modules absent
        pytest.skip(f"anvil is not installed ({exc}); `make test` installs node_modules with npm ci")

@contextmanager
def running_anvil(home: Path) -> Iterator[AnvilNode]:
    """A fresh anvil node on a free port, state under ``home``; stopped afterwards."""
    require_anvil()
    node = AnvilNode(home)
    node.start()
    try:
        yield node
    finally:
        node.stop()

@contextmanager
def running_hardhat_node() -> Iterator[str]:
    """``hardhat node`` on a free port (from node_modules/.bin); yields its URL."""
    hardhat = NODE_MODULES / ".bin" / "hardhat"
    if not hardhat.exists():
        pytest.skip("hardhat is not installed; `make test` installs node_modules with npm ci")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(hardhat), "node", "--hostname", "127.0.0.1", "--port", str(port)],
                               cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not rpc_answers(url, timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"hardhat node did not start on {url}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
