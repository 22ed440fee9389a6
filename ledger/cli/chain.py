"""``carbonledger chain start|stop|status|deploy``: the embedded node and the registry.

Exit codes: 0 ok; 1 the contract refused (a revert); 2 bad input (e.g. no anchoring
key for a URL chain); 3 not ready (no node, no node_modules, no deployment).
"""

from __future__ import annotations

from typing import Any

import click

from ledger.chain import (
    AnvilNode,
    ChainUnavailableError,
    NotDeployedError,
    connect,
    deploy_registry,
    open_registry,
)
from ledger.cli import EXIT_BAD_INPUT, EXIT_NOT_READY, main
from ledger.cli.invocation import current_config, echo_json, fail, user_errors


@main.group("chain")
def chain_group() -> None:
    """Run the embedded chain and deploy the checkpoint registry."""


def _embedded_node(port: int | None = None) -> AnvilNode:
    config = current_config()
    if config.chain != "embedded":
        fail(f"CARBONLEDGER_CHAIN is {config.chain!r}: only the embedded chain is started and stopped here",
             EXIT_BAD_INPUT)
    return AnvilNode(config.home, port if port is not None else config.chain_port)


@chain_group.command("start")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default: $CARBONLEDGER_CHAIN_PORT or free).")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def start_command(port: int | None, as_json: bool) -> None:
    """Start the embedded anvil node in the background (state kept under the home)."""
    status = _embedded_node(port).start(detach=True)
    if as_json:
        echo_json(status.__dict__)
    else:
        click.echo(f"anvil running: pid {status.pid}, {status.url}, state {status.state_file}")


@chain_group.command("stop")
@user_errors
def stop_command() -> None:
    """Stop the embedded anvil node (its state is saved first)."""
    click.echo("stopped" if _embedded_node().stop() else "not running")


@chain_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def status_command(as_json: bool) -> None:
    """Show the node, the registry and its latest checkpoint; exit 3 if either is missing."""
    config = current_config()
    data: dict[str, Any] = {"chain": config.chain}
    if config.chain == "embedded":
        node = AnvilNode(config.home, config.chain_port).status()
        data["node"] = node.__dict__ if node else None
    try:
        chain = connect(config, start_node=False)
        data.update(chain_id=chain.chain_id, block_number=chain.block_number(), sender=chain.sender)
        registry = open_registry(config, chain)
    except (ChainUnavailableError, NotDeployedError) as exc:
        data["error"] = str(exc)
        _print_status(data, as_json)
        raise SystemExit(EXIT_NOT_READY) from None
    latest = registry.latest_checkpoint()
    data.update(address=registry.address, deploy_block=registry.deploy_block,
                checkpoints=registry.checkpoint_count(),
                latest=None if latest is None else {"tree_size": latest.tree_size, "root": latest.root.hex(),
                                                     "block_time": latest.block_time.isoformat()})
    _print_status(data, as_json)


def _print_status(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key:<13} {value}")


@chain_group.command("deploy")
@click.option("--anchorer", help="Account to grant ANCHORER_ROLE (default: the sending account).")
@click.option("--force", is_flag=True, help="Deploy a new registry even if one is recorded for this chain.")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def deploy_command(anchorer: str | None, force: bool, as_json: bool) -> None:
    """Deploy the CheckpointRegistry and record it under the home (idempotent without --force)."""
    config = current_config()
    chain = connect(config)
    registry = None
    if not force:
        try:
            registry = open_registry(config, chain)
        except NotDeployedError:
            registry = None
    deployed = registry is None
    if registry is None:
        registry = deploy_registry(config, chain, anchorer=anchorer)
    data = {"chain_id": registry.chain_id, "address": registry.address, "deploy_block": registry.deploy_block,
            "deployed": deployed}
    if as_json:
        echo_json(data)
    else:
        verb = "deployed" if deployed else "already deployed"
        click.echo(f"CheckpointRegistry {verb} at {registry.address} on chain {registry.chain_id}")
