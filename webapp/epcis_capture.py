"""EPCIS capture jobs: what ``GET /epcis/capture/{captureID}`` and the upload job page report.

Each job's state is also written to a job file (:mod:`webapp.job_files`), so a status
request reaching another portal worker process finds it. The ledger
itself is the durable record of what a capture stored; the job only tells the client how
the capture went, as the EPCIS 2.0 REST binding requires. Both ``POST /epcis/capture`` and
the supplier upload page run a capture in a background thread
(:meth:`CaptureJobs.run_in_background`, started by
:func:`webapp.epcis_upload.start_capture`), because a document of thousands of events takes
longer than a request should wait: the REST client polls ``Location`` for
:meth:`CaptureJob.to_dict`, the upload page polls :meth:`CaptureJob.progress`.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import current_app

from ledger.errors import LedgerError
from ledger.ingest import BatchRejected
from ledger.service import Ledger
from webapp.accounts import Accounts
from webapp.epcis_records import sign_and_append
from webapp.errors import status_for
from webapp.job_files import JobFiles

MAX_JOBS = 1_000
"""Jobs held in memory per process; older ones are read from their job files."""

ERROR_TYPE = "epcisException:ValidationException"
"""The EPCIS exception a failed capture reports: the document, not the server, was at fault."""

_EXTENSION_KEY = "epcis_capture_jobs"


@dataclass
class CaptureJob:
    capture_id: str
    participant_id: str
    created_at: datetime
    running: bool = True
    success: bool = False
    finished_at: datetime | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    phase: str = "queued"
    done: int = 0
    total: int = 0
    files: JobFiles | None = field(default=None, repr=False, compare=False)

    def save(self, final: bool = False) -> None:
        """Write the state where every worker reads it (progress throttled; ``final`` always)."""
        if self.files is not None:
            self.files.write(self.capture_id, self.to_state(), running=self.running, final=final)

    def to_state(self) -> dict[str, Any]:
        return {"capture_id": self.capture_id, "participant_id": self.participant_id,
                "created_at": self.created_at.isoformat(), "running": self.running, "success": self.success,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None, "errors": self.errors,
                "receipts": self.receipts, "phase": self.phase, "done": self.done, "total": self.total}

    @classmethod
    def from_state(cls, state: dict[str, Any], orphaned: bool) -> CaptureJob:
        job = cls(state["capture_id"], state["participant_id"], datetime.fromisoformat(state["created_at"]),
                  state["running"], state["success"],
                  datetime.fromisoformat(state["finished_at"]) if state["finished_at"] else None,
                  state["errors"], state["receipts"], state["phase"], state["done"], state["total"])
        if orphaned:
            job.running, job.phase = False, "interrupted"
            job.errors = [{"type": "epcisException:ImplementationException", "title": "Interrupted", "status": 500,
                           "detail": "the portal worker running this capture stopped before it finished; capture "
                                     "the document again (events already stored are reported as duplicates)"}]
        return job

    def to_dict(self) -> dict[str, Any]:
        """The job as the EPCIS REST binding's capture-job resource."""
        out: dict[str, Any] = {
            "captureID": self.capture_id, "createdAt": _stamp(self.created_at), "running": self.running,
            "success": self.success, "captureErrorBehaviour": "rollback", "errors": self.errors,
        }
        if self.finished_at is not None:
            out["finishedAt"] = _stamp(self.finished_at)
        if self.receipts:
            out["events"] = self.receipts
        return out

    def progress(self) -> dict[str, Any]:
        """The job as the portal's job pages poll it (the shape of an audit job's state)."""
        state = "running" if self.running else "done" if self.success else "failed"
        new = sum(not r["duplicate"] for r in self.receipts)
        return {"job_id": self.capture_id, "state": state, "phase": self.phase, "done": self.done,
                "total": self.total,
                "error": ("Nothing was stored. " + "; ".join(e["detail"] for e in self.errors)) if self.errors else None,
                "message": (f"All {len(self.receipts)} events captured ({new} new, "
                            f"{len(self.receipts) - new} already recorded).") if self.success else None}

    def begin(self, phase: str, total: int) -> None:
        self.phase, self.done, self.total = phase, 0, total
        self.save(final=True)

    def advance(self, count: int) -> None:
        self.done += count
        self.save()

    def fail(self, exc: LedgerError, now: datetime) -> None:
        """Record why nothing was stored; each error names its event (``event #<i>``) and field."""
        if isinstance(exc, BatchRejected):
            self.errors = [_problem(e, f"event #{i}") for i, e in exc.errors]
        else:
            self.errors = [_problem(exc, exc.record)]
        self.running, self.finished_at, self.phase = False, now, "failed"
        self.save(final=True)


def _problem(exc: LedgerError, record: str | None) -> dict[str, Any]:
    where = ", ".join(part for part in (record, exc.field and f"field {exc.field}") if part)
    out: dict[str, Any] = {"type": ERROR_TYPE, "title": type(exc).__name__, "status": status_for(exc),
                           "detail": f"{where}: {exc.message}" if where else exc.message}
    if record is not None:
        out["record"] = record
    if exc.field is not None:
        out["field"] = exc.field
    return out


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def store(job: CaptureJob, ledger: Ledger, accounts: Accounts, records: list[dict[str, Any]]) -> None:
    """Sign ``records`` with the job participant's custodial key and append them all-or-nothing.

    The outcome lands on ``job`` (receipts, or errors naming each bad event); a
    :class:`LedgerError` never escapes, so a capture always ends with a readable job.
    """
    try:
        key = accounts.custodial_key(ledger, job.participant_id)
        job.begin("verifying and storing events", len(records))
        receipts = sign_and_append(ledger, key, records, job.advance)
    except LedgerError as exc:
        job.fail(exc, ledger.clock())
        return
    job.receipts = [{"eventID": r["event"]["eventID"], "eventHashID": r.get("event_hash"), "seq": rc.seq,
                     "leafHash": rc.leaf_hash.hex(), "duplicate": rc.duplicate}
                    for r, rc in zip(records, receipts)]
    job.done, job.phase, job.success = len(records), "done", True
    job.running, job.finished_at = False, ledger.clock()
    job.save(final=True)


class CaptureJobs:
    """Thread-safe table of capture jobs keyed by their unguessable capture id."""

    def __init__(self, logger: logging.Logger, files: JobFiles) -> None:
        self._jobs: OrderedDict[str, CaptureJob] = OrderedDict()
        self._lock = threading.Lock()
        self._logger = logger
        self._files = files

    def start(self, participant_id: str, now: datetime, total: int = 0) -> CaptureJob:
        job = CaptureJob(secrets.token_urlsafe(16), participant_id, now, total=total, files=self._files)
        self._files.create(job.capture_id, job.to_state())
        with self._lock:
            self._jobs[job.capture_id] = job
            while len(self._jobs) > MAX_JOBS:
                self._jobs.popitem(last=False)
        return job

    def get(self, capture_id: str) -> CaptureJob | None:
        """The job, from this process if it runs here, else from its job file."""
        with self._lock:
            job = self._jobs.get(capture_id)
        if job is not None:
            return job
        saved = self._files.read(capture_id)
        return None if saved is None else CaptureJob.from_state(saved.state, saved.orphaned)

    def run_in_background(self, job: CaptureJob, ledger: Ledger, work: Callable[[CaptureJob], None]) -> None:
        """Run ``work(job)`` in a daemon thread; returns at once. Any error ends the job as failed."""

        def run() -> None:
            try:
                work(job)
            except LedgerError as exc:
                job.fail(exc, ledger.clock())
            except Exception as exc:  # a worker thread has no error handler: the job page must still say why
                self._logger.exception("EPCIS capture job %s failed", job.capture_id)
                job.fail(LedgerError(f"the capture failed unexpectedly ({type(exc).__name__}); the error was "
                                     "logged and nothing was stored"), ledger.clock())

        threading.Thread(target=run, name=f"epcis-capture-{job.capture_id}", daemon=True).start()


def jobs() -> CaptureJobs:
    """This app's capture jobs, created on first use."""
    state = current_app.extensions["carbonledger"]
    if _EXTENSION_KEY not in state:
        state[_EXTENSION_KEY] = CaptureJobs(current_app.logger, JobFiles(state["config"].home / "jobs"))
    return state[_EXTENSION_KEY]
