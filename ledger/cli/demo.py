"""``carbonledger demo``: a working installation with realistic data, in one command."""

from __future__ import annotations

import json

import click

from ledger import demo, installation
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.bundles import build_bundle
from ledger.chain.provision import provision_registry
from ledger.cli import main
from ledger.cli.context import current_config, user_errors
from ledger.verification import verify_bundle
from webapp.accounts import Accounts, ensure_demo_accounts, portal_secret

SHOWCASE_SHIPMENT = "SH-TEA-1001"


@main.command("demo")
@user_errors
def demo_command() -> None:
    """Set up ./var with the demo supply chain, anchor it on the embedded chain, verify a proof.

    Idempotent: re-running adds nothing that is already there.
    """
    config = current_config()
    ledger = installation.init(config).ledger
    loaded = demo.load(ledger, config.home / "demo-keys")
    info = ledger.log_info()
    click.echo(f"Demo ledger at {config.home}: {loaded.accepted} new record(s), {loaded.already_present} already "
               f"present; log size {info.size}, root {info.root.hex()[:16]}…")
    click.echo("Participants: " + ", ".join(loaded.participants))

    registry, deployed = provision_registry(config)
    anchorer = Anchorer(ledger.engine, registry, AnchorPolicy(config.anchor_batch_size, config.anchor_max_age_seconds),
                    lease_seconds=config.anchor_lease_seconds)
    try:
        anchored = anchorer.step(force=True)
    finally:
        anchorer.release_lease()
    latest = ledger.latest_checkpoint()
    click.echo(f"Chain {registry.chain_id}: CheckpointRegistry {registry.address}{' (deployed now)' if deployed else ''}"
               f"; latest checkpoint covers {latest.tree_size if latest else 0} records"
               + (f" (anchored now, tx {anchored.anchored.tx_hash})" if anchored.anchored else ""))
    seq = ledger.records_by_ref("shipment_id", SHOWCASE_SHIPMENT)[0].seq
    bundle = build_bundle(ledger, seq)
    verdict = verify_bundle(bundle, registry)
    bundle_path = config.home / f"proof-record-{seq}.json"
    bundle_path.write_text(json.dumps(bundle, indent=2))
    click.echo(f"Proof bundle of record {seq} ({SHOWCASE_SHIPMENT}) in {bundle_path}: "
               + ("VERIFIED against the chain" if verdict.ok else f"NOT VERIFIED: {verdict.to_dict()}"))

    demo_users = ensure_demo_accounts(Accounts(ledger.engine, portal_secret(config)), config.home)
    click.echo(f"Portal accounts (also in {config.home / 'demo-accounts.txt'}):")
    for username, password, role in demo_users:
        click.echo(f"  {username:<18} {password:<20} {role}")
    click.echo("\nNext:")
    click.echo("  .venv/bin/carbonledger serve                  # portal + anchoring at http://127.0.0.1:5000/")
    click.echo("  .venv/bin/carbonledger status                 # what the log holds")
    click.echo(f"  .venv/bin/carbonledger verify {bundle_path}   # check a record with nothing but the chain")
    click.echo("  .venv/bin/carbonledger audit-log              # re-verify everything against the chain")
    click.echo("  .venv/bin/carbonledger log --consistency 2 10 # prove the log only grew")
    click.echo("  make test                                     # the whole suite")
    if not verdict.ok:
        raise SystemExit(1)
