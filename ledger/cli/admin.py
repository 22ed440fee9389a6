"""Commands that set up an installation and manage who may submit."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from ledger import installation
from ledger.cli import main
from ledger.cli.invocation import current_config, echo_json, user_errors
from ledger.custodial_keys import CustodialKeys
from ledger.errors import SchemaError
from ledger.records.schemas import PARTICIPANT_ROLES
from ledger.records.signing import SigningKey, parse_public_key


@main.command()
@click.option("--operator-id", default=installation.DEFAULT_OPERATOR_ID, show_default=True,
              help="Participant id of the ledger operator (used only on first init).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@user_errors
def init(operator_id: str, as_json: bool) -> None:
    """Create the database, the operator key and the genesis records (idempotent)."""
    config = current_config()
    result = installation.init(config, operator_id=operator_id)
    info = result.ledger.log_info()
    summary = {
        "home": str(config.home), "database": result.ledger.engine.url.render_as_string(hide_password=True),
        "operator_id": result.ledger.operator_id, "created_key": result.created_key,
        "created_genesis": result.created_genesis, "log_size": info.size,
    }
    if as_json:
        echo_json(summary)
        return
    state = "initialised" if result.created_genesis else "already initialised"
    click.echo(f"CarbonLedger {state} at {config.home} (database {summary['database']}).")
    click.echo(f"Operator {summary['operator_id']}; log holds {info.size} records.")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase", envvar="CARBONLEDGER_KEY_PASSPHRASE", default=None,
              help="Encrypt the private key (default: $CARBONLEDGER_KEY_PASSPHRASE; none means unencrypted).")
@click.option("--force", is_flag=True, help="Overwrite an existing key file.")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def keygen(out: Path, passphrase: str | None, force: bool, as_json: bool) -> None:
    """Create an Ed25519 signing key: OUT (private, PEM) and OUT.pub (public, base64url)."""
    if out.exists() and not force:
        raise SchemaError(f"{out} exists; refusing to overwrite a private key without --force")
    key = SigningKey.generate()
    key.save(out, passphrase.encode() if passphrase else None)
    pub = out.with_name(out.name + ".pub")
    pub.write_text(key.public_b64 + "\n")
    if as_json:
        echo_json({"key_id": key.key_id, "public_key": key.public_b64, "private_key_file": str(out), "public_key_file": str(pub)})
    else:
        click.echo(f"key id      {key.key_id}\npublic key  {key.public_b64}\nwritten     {out} (private), {pub}")


def _read_public_key(value: str) -> str:
    path = Path(value)
    text = path.read_text().strip() if path.exists() else value.strip()
    try:
        parse_public_key(text)
    except ValueError as exc:
        raise SchemaError(f"{exc} (or a .pub file from keygen)", field="public_key") from None
    return text


@main.command()
@click.argument("participant_id")
@click.option("--name", required=True, help="Display name, e.g. 'Hangzhou Spring Tea Co.'.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(PARTICIPANT_ROLES))
@click.option("--country", help="ISO 3166-1 alpha-2 country code.")
@click.option("--public-key", help="Base64url public key, or the .pub file keygen wrote.")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def register(participant_id: str, name: str, roles: tuple[str, ...], country: str | None,
             public_key: str | None, as_json: bool) -> None:
    """Register a participant (and its first key), signed by the operator.

    Registering a further key for an existing participant: give only --public-key with
    the participant id and any --name/--role (ignored).
    """
    ledger = installation.open_ledger(current_config(), need_operator_key=True)
    pub = _read_public_key(public_key) if public_key else None
    existing = {p["participant_id"] for p in ledger.participants()}
    if participant_id in existing and pub is not None:
        receipts = [ledger.register_key(participant_id, pub)]
    else:
        receipts = ledger.register_participant(participant_id, name, roles, country, pub)
    if as_json:
        echo_json([{"seq": r.seq, "leaf_hash": r.leaf_hash.hex(), "duplicate": r.duplicate} for r in receipts])
    else:
        for r in receipts:
            click.echo(f"{'already present' if r.duplicate else 'recorded'} at seq {r.seq}  leaf {r.leaf_hash.hex()}")


@main.command()
@click.argument("key_id")
@click.option("--reason", help="Why the key is revoked (kept in the log).")
@click.option("--compromised-since", "compromised_since", metavar="TIME",
              help="ISO 8601 time with zone since which someone else may have held the key: records received "
                   "from then on show and audit as signed with a compromised key.")
@user_errors
def revoke(key_id: str, reason: str | None, compromised_since: str | None) -> None:
    """Revoke a key: records signed with it are refused from now on."""
    since = None
    if compromised_since:
        try:
            since = datetime.fromisoformat(compromised_since.replace("Z", "+00:00"))
        except ValueError:
            raise SchemaError(f"{compromised_since!r} is not an ISO 8601 time such as 2026-11-30T08:00:00+00:00",
                              field="compromised_since") from None
    ledger = installation.open_ledger(current_config(), need_operator_key=True)
    receipt = ledger.revoke_key(key_id, reason, since)
    click.echo(f"revoked {key_id} at seq {receipt.seq}" + (f", compromised since {since.isoformat()}" if since else ""))


@main.command("rotate-custodial-key")
@click.argument("participant_id")
@click.option("--reason", help="Why the old key is revoked (kept in the log).")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def rotate_custodial_key(participant_id: str, reason: str | None, as_json: bool) -> None:
    """Give a participant a new portal (custodial) signing key and revoke the old one.

    One atomic step: records the old key signed stay valid; if anything fails, the
    portal keeps signing with the old key.
    """
    config = current_config()
    ledger = installation.open_ledger(config, need_operator_key=True)
    try:
        rotation = CustodialKeys(ledger, installation.installation_secret(config)).rotate(participant_id, reason)
    finally:
        ledger.engine.dispose()
    if as_json:
        echo_json(asdict(rotation))
        return
    click.echo(f"new key {rotation.new_key_id} registered at seq {rotation.registered_seq}")
    click.echo(f"old key {rotation.old_key_id} " + (f"revoked at seq {rotation.revoked_seq}"
                                                    if rotation.revoked_seq is not None else "was already out of use"))


@main.command()
@click.option("--json", "as_json", is_flag=True)
@user_errors
def status(as_json: bool) -> None:
    """Show the log, record counts and participants."""
    ledger = installation.open_ledger(current_config())
    info = ledger.log_info()
    data = {
        "log_size": info.size, "root": info.root.hex(), "operator_id": ledger.operator_id,
        "records_by_kind": ledger.counts_by_kind(), "participants": ledger.participants(),
    }
    if as_json:
        echo_json(data)
        return
    click.echo(f"log size  {info.size}\nroot      {info.root.hex()}\noperator  {ledger.operator_id}")
    click.echo("records   " + ", ".join(f"{k} {n}" for k, n in data["records_by_kind"].items()))
    click.echo("participants:")
    for p in data["participants"]:
        keys = ", ".join(k["key_id"] + (" (revoked)" if k["revoked"] else "") for k in p["keys"]) or "no key"
        click.echo(f"  {p['participant_id']:<28} {'/'.join(p['roles']):<20} {keys}")
