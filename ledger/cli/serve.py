"""``carbonledger serve`` and ``carbonledger user``: run the portal and manage its accounts."""

from __future__ import annotations

import threading

import click

from ledger import installation
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.chain import connect, open_registry
from ledger.chain.provision import provision_registry
from ledger.cli import main
from ledger.cli.context import current_config, user_errors
from ledger.errors import NotFoundError


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@user_errors
@click.option("--no-anchor", is_flag=True, help="Do not run the anchoring worker in this process.")
def serve(host: str, port: int, threads: int, no_anchor: bool) -> None:
    """Serve the portal with waitress, with the anchoring worker and the embedded chain."""
    import waitress

    from webapp import create_app

    config = current_config()
    registry, _ = provision_registry(config)
    if not no_anchor:
        ledger = installation.open_ledger(config)
        anchorer = Anchorer(ledger.engine, open_registry(config, connect(config, start_node=False)),
                            AnchorPolicy(config.anchor_batch_size, config.anchor_max_age_seconds),
                    lease_seconds=config.anchor_lease_seconds)
        threading.Thread(target=anchorer.watch, name="anchorer", daemon=True).start()
        click.echo(f"anchoring worker: every {anchorer.policy.batch_size} records or "
                   f"{anchorer.policy.max_age_seconds:g} s, to {registry.address} on chain {registry.chain_id}")
    app = create_app(config, registry=registry)
    click.echo(f"CarbonLedger portal on http://{host}:{port}/  (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="carbonledger")


@main.group()
def user() -> None:
    """Portal accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["supplier", "auditor", "admin"]), required=True)
@click.option("--participant", help="The participant a supplier account acts for.")
@click.option("--password", envvar="CARBONLEDGER_USER_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Default: $CARBONLEDGER_USER_PASSWORD, else a prompt.")
@user_errors
def user_add(username: str, role: str, participant: str | None, password: str) -> None:
    """Create a portal account."""
    from webapp.accounts import Accounts, portal_secret

    config = current_config()
    ledger = installation.open_ledger(config)
    if participant and participant not in {p["participant_id"] for p in ledger.participants()}:
        raise NotFoundError(f"participant {participant} is not registered", field="participant")
    Accounts(ledger.engine, portal_secret(config)).add_user(username, password, role, participant)
    click.echo(f"user {username} ({role}{', ' + participant if participant else ''}) created")
