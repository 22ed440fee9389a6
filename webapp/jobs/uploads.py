"""Supplier uploads stored in the background: the job, its table, its runner, its result.

Both kinds of upload — a GS1 EPCIS 2.0 document (:mod:`webapp.epcis.upload`, also behind
``POST /epcis/capture``) and a file of records (:mod:`webapp.supplier.record_upload`) — end the
same way: every record signed with the participant's custodial key and appended in one
all-or-nothing batch. For tens of thousands of rows that takes longer than a request
should wait, so what the file alone can tell (its structure, every row's schema) is
checked in the request and answered at once, and the signing and storing run here in a
daemon thread whose progress the job page polls.

Each job's state is also written to a job file (:mod:`webapp.jobs.files`), so a poll
reaching another portal worker process finds it, and a job whose process died is
reported as interrupted instead of running forever. The ledger is the durable record of
what an upload stored; the job only says how it went.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from flask import current_app

from ledger.custodial_keys import CustodialKeys
from ledger.errors import LedgerError
from ledger.ingest import BatchRejected, Receipt
from ledger.service import Ledger
from webapp.errors import status_for
from webapp.jobs.files import JobFiles
from webapp.jobs.table import JobTable

UploadKind = Literal["epcis", "records"]
"""What was uploaded: an EPCIS document (its records are events) or a file of records (rows)."""

UNIT: dict[str, str] = {"epcis": "events", "records": "rows"}
"""What the job page counts, by kind."""

_OUTCOME: dict[str, str] = {"epcis": "captured", "records": "accepted"}

MAX_JOBS = 1_000
"""Jobs held in memory per process; older ones are read from their job files."""

_EXTENSION_KEY = "upload_jobs"

Label = Callable[[int], str]
"""Names the batch's ``i``-th record as the uploader knows it (``event #3``, ``row 12``)."""

Describe = Callable[[dict[str, Any], Receipt], dict[str, Any]]
"""Turns a stored record and its receipt into the receipt the job keeps (``None``: keep counts only)."""


@dataclass
class UploadJob:
    """One upload's state: running, then done (counts, receipts) or failed (problems naming rows)."""

    job_id: str
    kind: UploadKind
    participant_id: str
    created_at: datetime
    running: bool = True
    success: bool = False
    finished_at: datetime | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    receipts: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0
    new: int = 0
    phase: str = "queued"
    done: int = 0
    total: int = 0
    files: JobFiles | None = field(default=None, repr=False, compare=False)

    @property
    def unit(self) -> str:
        return UNIT[self.kind]

    def save(self, final: bool = False) -> None:
        """Write the state where every worker reads it (progress throttled; ``final`` always)."""
        if self.files is not None:
            self.files.write(self.job_id, self.to_state(), running=self.running, final=final)

    def to_state(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "kind": self.kind, "participant_id": self.participant_id,
                "created_at": self.created_at.isoformat(), "running": self.running, "success": self.success,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None, "errors": self.errors,
                "rejected": self.rejected, "receipts": self.receipts, "accepted": self.accepted, "new": self.new,
                "phase": self.phase, "done": self.done, "total": self.total}

    @classmethod
    def from_state(cls, state: dict[str, Any], orphaned: bool) -> UploadJob:
        job = cls(state["job_id"], state["kind"], state["participant_id"], datetime.fromisoformat(state["created_at"]),
                  state["running"], state["success"],
                  datetime.fromisoformat(state["finished_at"]) if state["finished_at"] else None,
                  state["errors"], state["rejected"], state["receipts"], state["accepted"], state["new"],
                  state["phase"], state["done"], state["total"])
        if orphaned:
            job.running, job.phase = False, "interrupted"
            job.errors = [{"title": "Interrupted", "status": 500,
                           "detail": f"the portal worker running this upload stopped before it finished; upload "
                                     f"it again ({job.unit} already stored are reported as duplicates)"}]
        return job

    def progress(self) -> dict[str, Any]:
        """The job as its page polls it (the shape of an audit job's state, plus the problems)."""
        state = "running" if self.running else "done" if self.success else "failed"
        details = [e["detail"] for e in self.errors]
        return {"job_id": self.job_id, "state": state, "phase": self.phase, "done": self.done, "total": self.total,
                "error": ("Nothing was stored. " + "; ".join(details)) if details else None,
                "summary": self._summary() if details else None, "problems": details,
                "message": self._accepted_message() if self.success else None}

    def _accepted_message(self) -> str:
        counted = f"All {self.accepted} {self.unit}" if self.accepted != 1 else f"The one {self.unit.removesuffix('s')}"
        return f"{counted} {_OUTCOME[self.kind]} ({self.new} new, {self.accepted - self.new} already recorded)."

    def _summary(self) -> str:
        if self.phase == "interrupted":  # its batch was one transaction, so it was most likely rolled back
            return "The upload did not finish; upload it again."
        if not self.rejected:
            return "Nothing was stored."
        listed = len(self.errors)
        more = f"; the first {listed} are listed" if self.rejected > listed else ""
        return f"Nothing was stored: {self.rejected} of {self.total} {self.unit} were rejected{more}."

    def begin(self, phase: str, total: int) -> None:
        self.phase, self.done, self.total = phase, 0, total
        self.save(final=True)

    def advance(self, count: int) -> None:
        self.done += count
        self.save()

    def reject(self, errors: list[tuple[int, LedgerError]], total_bad: int, label: Label, now: datetime) -> None:
        """Nothing was stored because of these records; each problem names its record (``label``) and field."""
        self.errors = [_problem(exc, label(i)) for i, exc in errors]
        self.rejected = total_bad
        self._end(now, success=False)

    def fail(self, exc: LedgerError, now: datetime) -> None:
        """Nothing was stored, for a reason that is no single record's (or names its record itself)."""
        self.errors = [_problem(exc, exc.record)]
        self.rejected = int(exc.record is not None)
        self._end(now, success=False)

    def finish(self, receipts: list[Receipt], kept: list[dict[str, Any]], now: datetime) -> None:
        self.accepted, self.new = len(receipts), sum(not r.duplicate for r in receipts)
        self.receipts, self.done = kept, self.total
        self._end(now, success=True)

    def _end(self, now: datetime, success: bool) -> None:
        self.success, self.running, self.finished_at = success, False, now
        self.phase = "done" if success else "failed"
        self.save(final=True)


def _problem(exc: LedgerError, record: str | None) -> dict[str, Any]:
    """An RFC 7807-style problem (without ``type``: each binding names its own) saying where and why."""
    where = ", ".join(part for part in (record, exc.field and f"field {exc.field}") if part)
    out: dict[str, Any] = {"title": type(exc).__name__, "status": status_for(exc),
                           "detail": f"{where}: {exc.message}" if where else exc.message}
    if record is not None:
        out["record"] = record
    if exc.field is not None:
        out["field"] = exc.field
    return out


class _UnitProgress:
    """The custodial signer's progress phases on a job's bar, counted in the job's unit."""

    def __init__(self, job: UploadJob) -> None:
        self.job = job

    def begin(self, phase: str, total: int) -> None:
        self.job.begin(f"{phase} {self.job.unit}", total)

    def advance(self, count: int) -> None:
        self.job.advance(count)


def store(job: UploadJob, custodial_keys: CustodialKeys, records: list[dict[str, Any]], label: Label,
          describe: Describe | None = None) -> None:
    """Sign ``records`` with the job participant's custodial key and append them all-or-nothing.

    The participant is the job's, set from the logged-in (or token-bearing) supplier when
    the job started, never from the upload. The outcome lands on ``job``: counts and, with
    ``describe``, one kept receipt per record; or the problems naming each rejected record
    by ``label``. A :class:`LedgerError` never escapes, so an upload always ends readable.
    """
    try:
        receipts = custodial_keys.submit(job.participant_id, records, _UnitProgress(job))
    except BatchRejected as exc:
        job.reject(exc.errors, exc.total_bad, label, custodial_keys.ledger.clock())
        return
    except LedgerError as exc:
        if len(records) == 1 and exc.record is not None:  # a batch of one raises its record's own error
            job.reject([(0, exc)], 1, label, custodial_keys.ledger.clock())
        else:
            job.fail(exc, custodial_keys.ledger.clock())
        return
    kept = [describe(r, rc) for r, rc in zip(records, receipts)] if describe is not None else []
    job.finish(receipts, kept, custodial_keys.ledger.clock())


class UploadJobs:
    """The process's upload jobs, by id; safe to use from request and worker threads."""

    def __init__(self, logger: logging.Logger, files: JobFiles) -> None:
        self._table: JobTable[UploadJob] = JobTable(files, UploadJob.from_state, MAX_JOBS, "kind")
        self._logger = logger
        self._files = files

    def start(self, kind: UploadKind, participant_id: str, now: datetime, total: int = 0) -> UploadJob:
        job = UploadJob(secrets.token_urlsafe(16), kind, participant_id, now, total=total, files=self._files)
        self._table.add(job.job_id, job, job.to_state())
        return job

    def get(self, job_id: str, kind: UploadKind, participant_id: str | None) -> UploadJob | None:
        """The participant's job of this kind, from this process or from its job file.

        Another participant's job is as absent as a missing one, so job ids cannot be probed.
        """
        job = self._table.get(job_id)
        if job is None or job.kind != kind or participant_id is None or job.participant_id != participant_id:
            return None
        return job

    def run_in_background(self, job: UploadJob, ledger: Ledger, work: Callable[[UploadJob], None]) -> None:
        """Run ``work(job)`` in a daemon thread; returns at once. Any error ends the job as failed."""

        def run() -> None:
            try:
                work(job)
            except LedgerError as exc:
                job.fail(exc, ledger.clock())
            except Exception as exc:  # a worker thread has no error handler: the job page must still say why
                self._logger.exception("upload job %s failed", job.job_id)
                job.fail(LedgerError(f"the upload failed unexpectedly ({type(exc).__name__}); the error was "
                                     "logged and nothing was stored"), ledger.clock())

        threading.Thread(target=run, name=f"upload-{job.kind}-{job.job_id}", daemon=True).start()


def jobs() -> UploadJobs:
    """This app's upload jobs, created on first use."""
    state = current_app.extensions["carbonledger"]
    if _EXTENSION_KEY not in state:
        state[_EXTENSION_KEY] = UploadJobs(current_app.logger, JobFiles(state["config"].home / "jobs"))
    return state[_EXTENSION_KEY]
