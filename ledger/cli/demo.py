"""``carbonledger demo``: a working installation with realistic data, in one command."""

from __future__ import annotations

import click

from ledger import demo, installation
from ledger.cli import main
from ledger.cli.context import current_config, user_errors


@main.command("demo")
@user_errors
def demo_command() -> None:
    """Initialise ./var (if needed) and load the demo supply chain (idempotent)."""
    config = current_config()
    result = installation.init(config)
    ledger = result.ledger
    loaded = demo.load(ledger, config.home / "demo-keys")
    info = ledger.log_info()
    click.echo(f"Demo ledger at {config.home}: {loaded.accepted} new record(s), "
               f"{loaded.already_present} already present; log size {info.size}, root {info.root.hex()[:16]}...")
    click.echo("Participants: " + ", ".join(loaded.participants))
    from webapp.accounts import Accounts, ensure_demo_accounts, portal_secret

    demo_users = ensure_demo_accounts(Accounts(ledger.engine, portal_secret(config)), config.home)
    click.echo("Portal accounts (also in " + str(config.home / "demo-accounts.txt") + "):")
    for username, password, role in demo_users:
        click.echo(f"  {username:<18} {password:<20} {role}")
    click.echo("\nNext:")
    click.echo("  .venv/bin/carbonledger status                 # what the log holds")
    click.echo("  .venv/bin/carbonledger log --inclusion 5      # prove record 5 is in the log")
    click.echo("  .venv/bin/carbonledger log --consistency 2 10 # prove the log only grew")
    click.echo("  .venv/bin/carbonledger serve                  # the portal at http://127.0.0.1:5000/")
    click.echo("  make test                                     # the whole suite")
