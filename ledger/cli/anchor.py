"""``carbonledger anchor``, ``verify`` and ``audit-log``: the chain half of the promise."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from ledger import installation
from ledger.anchor_guard import AnchorRefusedError
from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.audit import audit_log
from ledger.chain import Chain, CheckpointRegistryClient, connect, open_registry, registry_contract
from ledger.chain.errors import ChainUnavailableError
from ledger.cli import EXIT_BAD_INPUT, EXIT_FAILED, main
from ledger.cli.invocation import current_config, echo_json, fail, user_errors
from ledger.config import Config
from ledger.errors import SchemaError
from ledger.records.ijson import MAX_DEPTH, parse_json
from ledger.verification import verify_bundle

READ_ONLY_SENDER = "0x0000000000000000000000000000000000000000"
"""Verification only reads the chain; no account, and so no key, is involved."""


def _anchorer(config: Config) -> Anchorer:
    ledger = installation.open_ledger(config)
    registry = open_registry(config, connect(config))
    return Anchorer(ledger.engine, registry,
                    AnchorPolicy(config.anchor_batch_size, config.anchor_max_age_seconds),
                    lease_seconds=config.anchor_lease_seconds)


@main.command()
@click.option("--watch", is_flag=True, help="Keep anchoring whenever a checkpoint is due (Ctrl+C stops).")
@click.option("--force", is_flag=True, help="Anchor now even if the batch is not full or old enough.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between checks with --watch.")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def anchor(watch: bool, force: bool, interval: float, as_json: bool) -> None:
    """Anchor a checkpoint of the log on chain (once, or with --watch)."""
    anchorer = _anchorer(current_config())
    if watch:
        stopping = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
        click.echo(f"anchoring to {anchorer.registry.address} on chain {anchorer.registry.chain_id} "
                   f"(batch {anchorer.policy.batch_size}, max age {anchorer.policy.max_age_seconds:g} s)", err=True)
        try:
            anchorer.watch(interval, stop=lambda: stopping["now"])
        except KeyboardInterrupt:
            pass
        finally:
            anchorer.release_lease()
        return
    try:
        result = anchorer.step(force=force)
    except AnchorRefusedError as exc:  # a failed check, not bad input: exit 1
        fail(str(exc), EXIT_FAILED, as_json=as_json, details=exc.to_dict())
        return
    finally:
        anchorer.release_lease()
    cp = result.anchored
    data: dict[str, Any] = {
        "anchored": None if cp is None else {"tree_size": cp.tree_size, "root": cp.root.hex(), "tx_hash": cp.tx_hash,
                                             "block_number": cp.block_number},
        "recovered": [c.tree_size for c in result.recovered], "pending": result.pending, "reason": result.reason,
    }
    if as_json:
        echo_json(data)
    elif cp is not None:
        click.echo(f"anchored size {cp.tree_size} root {cp.root.hex()[:16]}… in tx {cp.tx_hash} (block {cp.block_number})")
    else:
        click.echo(f"nothing anchored: {result.reason}; {result.pending} record(s) pending")


def _reader(config: Config, rpc: str | None, address: str) -> CheckpointRegistryClient:
    from web3 import Web3

    if rpc:
        w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 30}))
        chain = Chain(w3, kind="rpc", sender=READ_ONLY_SENDER)
    else:
        chain = connect(config, start_node=False)
    try:
        chain.chain_id  # noqa: B018  (fails fast when nothing answers)
    except Exception as exc:  # web3 raises several transport errors; all mean "unreachable"
        raise ChainUnavailableError(f"no chain answers at {rpc or config.chain}: {exc}") from None
    return CheckpointRegistryClient(chain, address, registry_contract())


@main.command()
@click.argument("bundle_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rpc", help="JSON-RPC URL of the chain (default: this installation's chain).")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def verify(bundle_file: Path, rpc: str | None, as_json: bool) -> None:
    """Check a proof bundle with nothing but a chain: signature, leaf hash, inclusion, checkpoint."""
    try:
        # Strict JSON, depth-bounded (a bundle is two objects around the record); the record's own
        # values are judged by verification, which reports one it cannot re-canonicalise as NOT VERIFIED.
        bundle = parse_json(bundle_file.read_bytes(), max_depth=MAX_DEPTH + 2)
        address = bundle["chain"]["contract_address"]
        if not isinstance(address, str):
            raise TypeError(f"chain.contract_address is a {type(address).__name__}, not a string")
    except SchemaError as exc:
        fail(f"{bundle_file} {exc.message}" + (f" (field {exc.field})" if exc.field else ""), EXIT_BAD_INPUT,
             as_json=as_json)
        return
    except (KeyError, TypeError) as exc:
        fail(f"{bundle_file} is not a proof bundle: {exc!r}", EXIT_BAD_INPUT, as_json=as_json)
        return
    verdict = verify_bundle(bundle, _reader(current_config(), rpc, address))
    if as_json:
        echo_json(verdict.to_dict())
    else:
        for check in verdict.checks:
            click.echo(f"{'✔' if check.ok else '✘'} {check.name:<20} {check.detail}")
        click.echo(f"{verdict.subject}: {'VERIFIED' if verdict.ok else 'NOT VERIFIED'}")
    if not verdict.ok:
        sys.exit(EXIT_FAILED)


@main.command("audit-log")
@click.option("--no-chain", is_flag=True, help="Skip the on-chain checks (e.g. the chain is down).")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def audit_log_command(no_chain: bool, as_json: bool) -> None:
    """Re-verify every record and checkpoint of the store against the chain."""
    config = current_config()
    ledger = installation.open_ledger(config)
    registry = None if no_chain else open_registry(config, connect(config, start_node=False))
    size = ledger.log_info().size
    with click.progressbar(length=size, label="Auditing", file=sys.stderr, hidden=as_json or not sys.stderr.isatty()) as bar:
        seen = [0]

        def progress(done: int, total: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        report = audit_log(ledger, registry, progress)
    if as_json:
        echo_json(report.to_dict())
    else:
        for f in report.findings:
            click.echo(f"✘ {f.subject}: {f.check}: expected {f.expected}, found {f.found}")
        rate = report.records_checked / report.seconds if report.seconds else 0
        click.echo(f"{report.records_checked} records and {report.checkpoints_checked} checkpoints checked in "
                   f"{report.seconds:.2f} s ({rate:,.0f} records/s){'' if registry else ' without the chain'}: "
                   f"{'all hold' if report.ok else f'{len(report.findings)} finding(s)'}")
    if not report.ok:
        sys.exit(EXIT_FAILED)
