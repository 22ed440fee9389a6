"""Where the registry lives on each chain: ``<home>/chain/deployment.json``, keyed by chain id.

Written once per deployment, read at every start so the service finds its contract again.
An entry is only trusted if the chain still has code at its address (a dev chain restarted
without its state forgets the contract).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Deployment:
    """One registry deployment."""

    chain_id: int
    address: str
    deploy_block: int
    tx_hash: str
    solc_version: str
    source_hash: str
    deployed_at: str


def deployment_file(home: Path) -> Path:
    return Path(home) / "chain" / "deployment.json"


def load_deployment(home: Path, chain_id: int) -> Deployment | None:
    """The recorded deployment on ``chain_id``, or None."""
    try:
        data = json.loads(deployment_file(home).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    entry = data.get(str(chain_id))
    return Deployment(**entry) if entry else None


def save_deployment(home: Path, deployment: Deployment) -> Path:
    """Record ``deployment``, replacing any earlier one on the same chain (atomic write)."""
    path = deployment_file(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[str(deployment.chain_id)] = asdict(deployment)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
