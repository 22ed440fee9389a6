"""``carbonledger serve`` and ``carbonledger user``: run the portal and manage its accounts."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import click
from gunicorn.app.base import BaseApplication

from ledger import installation
from ledger.chain.provision import provision_registry
from ledger.cli import main
from ledger.cli.context import current_config, user_errors
from ledger.config import Config
from ledger.errors import NotFoundError


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


@main.command()
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
