"""Bring up what anchoring needs, idempotently: a running chain and a deployed registry.

Used by ``carbonledger demo`` and ``carbonledger serve``: the embedded node is started
detached (it outlives the command, keeping its state under the home) and the registry is
deployed only if none is recorded for the chain.
"""

from __future__ import annotations

from ledger.chain.backend import connect
from ledger.chain.errors import NotDeployedError
from ledger.chain.node import AnvilNode, rpc_answers
from ledger.chain.registry import CheckpointRegistryClient
from ledger.config import Config


def provision_registry(config: Config) -> tuple[CheckpointRegistryClient, bool]:
    """The installation's registry, starting the embedded node and deploying as needed.

    Returns the client and whether it was deployed just now.
    """
    from ledger.chain import deploy_registry, open_registry

    if config.chain == "embedded":
        node = AnvilNode(config.home, config.chain_port)
        status = node.status()
        if status is None or not rpc_answers(status.url):
            node.start(detach=True)
    chain = connect(config, start_node=False)
    try:
        return open_registry(config, chain), False
    except NotDeployedError:
        return deploy_registry(config, chain), True
