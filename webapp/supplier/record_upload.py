"""Files of records (CSV, JSON Lines, JSON) on the supplier upload page: checked at once, stored in the background.

Every row is read and validated against its kind's schema in the request — that needs
only the file and is fast even for 100,000 rows — so a bad file is answered at once with
every problem (row, field, reason) and nothing stored. A clean file is then signed with
the participant's custodial key and appended all-or-nothing in an upload job
(:mod:`webapp.jobs.uploads`), the same job an EPCIS document runs in, because signing and
storing that many rows takes longer than a request should wait. What only the ledger can
judge (who may sign a row, whether a corrected record exists) ends that job as failed,
naming each rejected row, with nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError
from ledger.record_files import detect_format, normalise_record, read_items
from webapp import services
from webapp.jobs.uploads import UploadJob, jobs, store


@dataclass(frozen=True)
class RecordFile:
    """An uploaded file's rows in normal form, with where each was found (``row 12``, ``line 7``)."""

    positions: list[str]
    records: list[dict[str, Any]]
    problems: list[str]  # one per bad row, naming it, its field and why; empty when every row is good


def read_records(filename: str, text: str) -> RecordFile:
    """Read and validate every row of ``text``, collecting every bad row rather than stopping at the first.

    Raises :class:`ledger.errors.SchemaError` (naming the line or row) when the file
    itself cannot be read: unknown format, broken JSON, a CSV without a ``kind`` column.
    """
    items = read_items(text, detect_format(filename))
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    for item in items:
        try:
            records.append(normalise_record(item.data, item.position))
        except LedgerError as exc:
            problems.append(str(exc))
    if not items:
        problems.append(f"{filename} holds no records")
    return RecordFile([item.position for item in items], records, problems)


def start_records(upload: RecordFile, participant_id: str) -> UploadJob:
    """Sign and store a validated file's rows in a background job; returns the running job.

    Precondition: ``upload.problems`` is empty. ``participant_id`` is the logged-in
    supplier's, never one named in the file: every row is signed with that participant's
    custodial key, so a row claiming another shipper is refused by the ledger.
    """
    if upload.problems:
        raise ValueError("a file with problems is answered in the request, never stored")
    ledger, custodial_keys = services.ledger(), services.custodial_keys()
    table = jobs()
    job = table.start("records", participant_id, ledger.clock(), total=len(upload.records))
    table.run_in_background(job, ledger, lambda job: store(job, custodial_keys, upload.records,
                                                           upload.positions.__getitem__))
    return job
