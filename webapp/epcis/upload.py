"""GS1 EPCIS 2.0 documents on the supplier upload page: recognised by content, captured in the background.

The page takes the same documents as ``POST /epcis/capture`` and captures them the same
way (:mod:`webapp.epcis.records`): every event checked and hashed, then all of them signed
with the participant's custodial key and appended in one batch, or none. What can be found
from the document alone (its structure, every event's hash) is checked before the job
starts, so the upload page answers it at once, naming the event and field; what needs the
ledger (eventIDs already used, signing, storing) runs in a background job whose progress
the job page polls, because a document of thousands of events takes longer than a request
should.
"""

from __future__ import annotations

from pathlib import PurePath

from ledger.epcis import EpcisDocument, parse_document
from ledger.errors import SchemaError
from ledger.records.ijson import parse_json
from webapp import services
from webapp.epcis.capture import event_receipt
from webapp.epcis.records import check_unique_ids, document_records
from webapp.jobs.uploads import UploadJob, jobs, store

JSON_LD_SUFFIX = ".jsonld"
"""EPCIS 2.0 documents travel as JSON-LD; record files never do, so this suffix alone says EPCIS."""


def read_document(filename: str, text: str) -> EpcisDocument | None:
    """The EPCIS document an uploaded file holds, or ``None`` when it holds records instead.

    A file is an EPCIS document when it is a JSON object whose ``type`` is ``EPCISDocument``
    (whatever its name, so a ``.json`` export works), or when it is named ``.jsonld``.
    Raises :class:`ledger.epcis.EpcisError` naming the event (``event #<i>``) and field when
    the document is malformed.
    """
    jsonld = PurePath(filename).suffix.lower() == JSON_LD_SUFFIX
    if not jsonld and not text.lstrip().startswith("{"):
        return None
    try:
        data = parse_json(text)  # depth-bounded and strict; parse_document checks the values (I-JSON)
    except SchemaError:
        if jsonld:
            return parse_document(text)  # raises the EpcisError that says where the JSON breaks
        return None  # the records reader reports the bad JSON with its line and column
    if not jsonld and not (isinstance(data, dict) and data.get("type") == "EPCISDocument"):
        return None
    return parse_document(data)


def start_capture(doc: EpcisDocument, participant_id: str) -> UploadJob:
    """Hash every event now, then check eventIDs, sign and store in a background job.

    Both the upload page and ``POST /epcis/capture`` start captures here, so a document is
    captured the same way whichever door it came through. ``participant_id`` is the
    logged-in (or token-bearing) supplier's, never one named by the upload: the job signs
    with that participant's custodial key only. Raises :class:`ledger.epcis.EpcisError`
    (before any job starts) when an event cannot be given an identity.
    """
    records = document_records(doc)
    ledger, custodial_keys = services.ledger(), services.custodial_keys()
    table = jobs()
    job = table.start("epcis", participant_id, ledger.clock(), total=len(records))

    def work(job: UploadJob) -> None:
        job.begin("checking eventIDs", len(records))
        check_unique_ids(ledger, records, job.advance)
        store(job, custodial_keys, records, lambda i: f"event #{i}", event_receipt)

    table.run_in_background(job, ledger, work)
    return job
