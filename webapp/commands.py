"""The portal's commands for ``carbonledger``: ``serve``, ``user`` and ``demo``.

They join the ledger's command line through the ``carbonledger.commands`` entry-point
group (``pyproject.toml``), so ``ledger`` never imports the portal and the ledger's own
commands never load Flask.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from ledger import demo_supply_chain, installation
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.bundles import build_bundle
from ledger.chain.provision import provision_registry
from ledger.cli.invocation import current_config, user_errors
from ledger.config import Config
from ledger.custodial_keys import CustodialKeys
from ledger.verification import verify_bundle
from webapp.accounts import ROLES, Accounts


def default_workers() -> int:
    """Two single-threaded worker processes per core: one computes while the other waits on the database.

    Measured with bench/bench_lookup.py (2 cores, 50 clients, 10^6 records): 4 workers gave
    the order page p99 33 ms on SQLite and 32-51 ms on PostgreSQL, 3 workers 41 and 65 ms;
    5 workers x 4 threads gave 172 ms on SQLite, threads of one process queueing on its
    interpreter lock.
    """
    return 2 * (os.cpu_count() or 1)


class _Portal(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn serving the portal; each worker builds its own app after the fork.

    Building the app per worker (not preloaded) gives each process its own database pool
    and chain connection: sockets opened before a fork would be shared between processes.
    """

    def __init__(self, config: Config, options: dict[str, Any]) -> None:
        self.config_for_app = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from webapp.app import create_app

        return create_app(self.config_for_app)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=default_workers(), show_default=True, type=click.IntRange(1, 64),
              help="Worker processes; 2 x cores by default.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker; more than 1 keeps connections alive and tolerates slow clients, "
                   "at the cost of tail latency (behind a buffering proxy such as nginx, keep 1).")
@click.option("--no-anchor", is_flag=True, help="Do not start the anchoring worker.")
@user_errors
def serve(host: str, port: int, workers: int, threads: int, no_anchor: bool) -> None:
    """Serve the portal (gunicorn) with the anchoring worker and the embedded chain.

    The anchoring worker runs as its own process (``carbonledger anchor --watch``) beside
    the portal's worker processes, and stops with them.
    """
    config = current_config()
    registry, _ = provision_registry(config)
    anchorer: subprocess.Popen[bytes] | None = None
    if not no_anchor:
        anchorer = subprocess.Popen([sys.executable, "-m", "ledger.cli", "--home", str(config.home), "anchor", "--watch"])
        click.echo(f"anchoring worker (pid {anchorer.pid}): every {config.anchor_batch_size} records or "
                   f"{config.anchor_max_age_seconds:g} s, to {registry.address} on chain {registry.chain_id}")
    click.echo(f"CarbonLedger portal on http://{host}:{port}/  ({workers} workers x {threads} threads; Ctrl+C stops)")
    options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
               "worker_class": "gthread" if threads > 1 else "sync", "proc_name": "carbonledger",
               "accesslog": None, "errorlog": "-", "loglevel": "warning",
               "timeout": 120, "graceful_timeout": 20}
    try:
        _Portal(config, options).run()
    finally:
        if anchorer is not None:
            anchorer.terminate()  # the watch loop finishes its step, releases its lease and exits
            try:
                anchorer.wait(timeout=60)
            except subprocess.TimeoutExpired:
                anchorer.kill()


@click.group()
def user() -> None:
    """Portal accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--participant", help="The participant a supplier account acts for.")
@click.option("--password", envvar="CARBONLEDGER_USER_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Default: $CARBONLEDGER_USER_PASSWORD, else a prompt.")
@user_errors
def user_add(username: str, role: str, participant: str | None, password: str) -> None:
    """Create a portal account."""
    ledger = installation.open_ledger(current_config())
    try:
        if participant:
            ledger.require_participant(participant, field="participant")
        Accounts(ledger.engine).add_user(username, password, role, participant)
    finally:
        ledger.engine.dispose()
    click.echo(f"user {username} ({role}{', ' + participant if participant else ''}) created")


SHOWCASE_SHIPMENT = "SH-TEA-1001"


@click.command("demo")
@user_errors
def demo_command() -> None:
    """Set up ./var with the demo supply chain, anchor it on the embedded chain, verify a proof.

    Idempotent: re-running adds nothing that is already there.
    """
    config = current_config()
    ledger = installation.init(config).ledger
    loaded = demo_supply_chain.load(ledger, config.home / "demo-keys")
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

    demo_users = ensure_demo_accounts(Accounts(ledger.engine), config.home)
    custodial = CustodialKeys(ledger, installation.installation_secret(config))
    for _, _, participant in DEMO_ACCOUNTS:  # the demo companies hold keys of their own; the portal signs too
        if participant is not None and not custodial.holds(participant):
            custodial.add(participant, "demo: its staff also submit through the portal")
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


DEMO_ACCOUNTS = (
    ("tea-supplier", "supplier", "hangzhou-spring-tea"),
    ("lastmile-carrier", "supplier", "rhein-lastmile"),
    ("auditor", "auditor", None),
    ("admin", "admin", None),
)
DEMO_ACCOUNTS_FILE = "demo-accounts.txt"


def ensure_demo_accounts(accounts: Accounts, home: Path) -> list[tuple[str, str, str]]:
    """Create the demo portal accounts once; return (user, password, role) for each.

    Passwords are random per installation and kept (mode 0600) in the home, so re-running
    the demo prints the same ones and no password is ever committed anywhere.
    """
    path = home / DEMO_ACCOUNTS_FILE
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            user, _, password = line.partition(" ")
            known[user] = password
    out = []
    for username, role, participant in DEMO_ACCOUNTS:
        password = known.get(username) or secrets.token_urlsafe(12)
        if accounts.get_user(username) is None:
            accounts.add_user(username, password, role, participant)
        known[username] = password
        out.append((username, password, role))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(f"{u} {p}\n" for u, p in known.items()))
    return out
