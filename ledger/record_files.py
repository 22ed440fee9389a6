"""Reading records from files people actually have: JSON, JSON Lines and CSV.

Shared by ``carbonledger submit`` and the portal's upload, so both accept the same files
and report problems the same way: by position (``line 7``, ``row 12``) and field.

CSV has no nesting, so columns use dotted paths (``origin.unlocode``), list columns of
identifiers use ``;`` (``shipment_ids``), and a cell holding JSON (starting with ``[`` or
``{``) is parsed as JSON (``products``, ``fuel``). Cell text is typed by the record's
schema, not guessed, so an id like ``007`` stays a string.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Literal

from ledger.errors import SchemaError
from ledger.records.ijson import loads_ijson
from ledger.records.schemas import validate_record

FileFormat = Literal["json", "jsonl", "csv"]
LIST_COLUMNS = frozenset({"shipment_ids", "roles"})
"""CSV columns holding a ``;``-separated list of plain strings."""


@dataclass(frozen=True)
class InputItem:
    """One record or submission read from a file, with where it was found."""

    position: str
    data: Any


def detect_format(name: str) -> FileFormat:
    suffix = PurePath(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".json", ".jsonld"):
        return "json"
    raise SchemaError(f"cannot tell the format of {name!r}: use .json, .jsonl or .csv, or give --format")


def read_items(text: str, fmt: FileFormat) -> list[InputItem]:
    """Parse a whole file; raises :class:`SchemaError` naming the line or row.

    JSON must be I-JSON (RFC 7493, :func:`~ledger.records.ijson.loads_ijson`): what is
    signed must canonicalise, and canonicalise again, to the same bytes.
    """
    if fmt == "json":
        data = loads_ijson(text)
        if isinstance(data, dict) and isinstance(data.get("records"), list):
            data = data["records"]
        items = data if isinstance(data, list) else [data]
        return [InputItem(f"item {i + 1}", item) for i, item in enumerate(items)]
    if fmt == "jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            out.append(InputItem(f"line {n}", loads_ijson(line, record=f"line {n}")))
        return out
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "kind" not in reader.fieldnames:
        raise SchemaError("CSV needs a header row with a 'kind' column")
    return [InputItem(f"row {n}", csv_row_to_record(row, f"row {n}")) for n, row in enumerate(reader, start=2)]


def csv_row_to_record(row: dict[str, str | None], position: str) -> dict[str, Any]:
    """Nest dotted columns, split list columns, decode JSON cells; empty cells are absent."""
    record: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None:
            raise SchemaError(f"{position}: more cells than header columns")
        if cell is None or cell.strip() == "":
            continue
        cell = cell.strip()
        value: Any = cell
        if column in LIST_COLUMNS:
            value = [part.strip() for part in cell.split(";") if part.strip()]
        elif column == "schema_version" and cell.isdigit():
            value = int(cell)  # a literal in the schema, which pydantic never coerces from text
        elif cell[0] in "[{":
            value = loads_ijson(cell, path=column, record=position)
        target = record
        parts = column.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise SchemaError(f"{position}: column {column} clashes with column {part}")
        target[parts[-1]] = value
    return record


def normalise_record(record: Any, position: str) -> dict[str, Any]:
    """Validate a record and return it in normal form (typed values, defaults filled).

    Signing the normal form rather than what a spreadsheet produced means two suppliers
    who enter the same facts sign the same bytes.
    """
    if not isinstance(record, dict):
        raise SchemaError("must be a JSON object", record=position)
    return validate_record(record, position).model_dump(mode="json", exclude_none=True)
