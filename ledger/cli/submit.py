"""``carbonledger submit``: sign records client-side and append them, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ledger import installation
from ledger.cli import main
from ledger.cli.invocation import current_config, echo_json, user_errors
from ledger.errors import LedgerError, SchemaError
from ledger.ingest import BatchRejected
from ledger.record_files import InputItem, detect_format, normalise_record, read_items
from ledger.records.signing import SigningKey


def _is_submission(data: Any) -> bool:
    return isinstance(data, dict) and "record" in data and "signature" in data


def prepare(items: list[InputItem], key: SigningKey | None) -> list[dict[str, Any]]:
    """Sign raw records (normalised first) and pass signed submissions through unchanged.

    Every item is checked before any is signed; all problems are reported together.
    """
    problems: list[str] = []
    out: list[dict[str, Any]] = []
    for item in items:
        if _is_submission(item.data):
            out.append(item.data)
            continue
        if key is None:
            problems.append(f"{item.position}: an unsigned record needs --key to sign it")
            continue
        try:
            out.append(key.sign_record(normalise_record(item.data, item.position)))
        except LedgerError as exc:
            problems.append(str(exc))
    if problems:
        shown = "\n  ".join(problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise SchemaError(f"{len(problems)} of {len(items)} records are invalid, nothing submitted:\n  {shown}{more}")
    return out


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Private key (PEM from keygen) that signs unsigned records.")
@click.option("--passphrase", envvar="CARBONLEDGER_KEY_PASSPHRASE", default=None, help="Passphrase of --key.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv"]), help="Default: from the file name.")
@click.option("--json", "as_json", is_flag=True, help="Print receipts as JSON.")
@user_errors
def submit(files: tuple[Path, ...], key_file: Path | None, passphrase: str | None, fmt: str | None, as_json: bool) -> None:
    """Submit records from JSON, JSONL or CSV FILES.

    Raw records are normalised and signed with --key; already signed submissions
    ({record, key_id, signature}) are submitted as they are. The whole set is accepted or
    none of it is: a bad record is reported with its file position and field.
    """
    key = None
    if key_file is not None:
        try:
            key = SigningKey.load(key_file, passphrase.encode() if passphrase else None)
        except ValueError as exc:
            raise SchemaError(f"{key_file}: {exc}") from None
    items: list[InputItem] = []
    for path in files:
        file_format = fmt or detect_format(path.name)
        for item in read_items(path.read_text(encoding="utf-8"), file_format):  # type: ignore[arg-type]
            items.append(InputItem(f"{path.name} {item.position}", item.data))
    ledger = installation.open_ledger(current_config())
    submissions = prepare(items, key)
    show_bar = not as_json and sys.stderr.isatty()
    try:
        with click.progressbar(length=len(submissions), label="Appending", file=sys.stderr,
                               hidden=not show_bar) as bar:
            receipts = ledger.submit_many(submissions, progress=bar.update)
    except BatchRejected as exc:
        positions = [items[i].position for i, _ in exc.errors]
        lines = [f"{pos}: {err}" for pos, (_, err) in zip(positions, exc.errors)]
        raise SchemaError(
            f"{exc.total_bad} of {len(submissions)} records rejected, nothing stored:\n  " + "\n  ".join(lines)
        ) from None
    new = [r for r in receipts if not r.duplicate]
    if as_json:
        echo_json([{"seq": r.seq, "leaf_hash": r.leaf_hash.hex(), "duplicate": r.duplicate} for r in receipts])
        return
    dup = len(receipts) - len(new)
    span = f" at seq {new[0].seq}..{new[-1].seq}" if new else ""
    click.echo(f"accepted {len(new)} new record(s){span}" + (f"; {dup} already present" if dup else ""))
