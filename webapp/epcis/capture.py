"""EPCIS capture jobs as the REST binding shows them: ``GET /epcis/capture/{captureID}``.

A capture is an upload job of kind ``epcis`` (:mod:`webapp.jobs.uploads`), started by
:func:`webapp.epcis.upload.start_capture` from ``POST /epcis/capture`` or the supplier
upload page. The upload page polls the job's progress; a REST client polls ``Location``
for the resource built here, in the shape the EPCIS 2.0 REST binding requires, whichever
door the document came through.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ledger.ingest import Receipt
from webapp.jobs.uploads import UploadJob

ERROR_TYPE = "epcisException:ValidationException"
"""The EPCIS exception a failed capture reports: the document, not the server, was at fault."""

SERVER_ERROR_TYPE = "epcisException:ImplementationException"
"""The EPCIS exception when the server was at fault (a worker stopped mid-capture)."""


def capture_resource(job: UploadJob) -> dict[str, Any]:
    """The job as the EPCIS REST binding's capture-job resource."""
    out: dict[str, Any] = {
        "captureID": job.job_id, "createdAt": _stamp(job.created_at), "running": job.running,
        "success": job.success, "captureErrorBehaviour": "rollback",
        "errors": [{"type": SERVER_ERROR_TYPE if e["status"] >= 500 else ERROR_TYPE, **e} for e in job.errors],
    }
    if job.finished_at is not None:
        out["finishedAt"] = _stamp(job.finished_at)
    if job.receipts:
        out["events"] = job.receipts
    return out


def event_receipt(record: dict[str, Any], receipt: Receipt) -> dict[str, Any]:
    """What a capture job reports of one stored event."""
    return {"eventID": record["event"]["eventID"], "eventHashID": record.get("event_hash"), "seq": receipt.seq,
            "leafHash": receipt.leaf_hash.hex(), "duplicate": receipt.duplicate}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
