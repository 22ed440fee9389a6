"""Audits run in a background thread, with progress a page can poll.

An audit over a big scope verifies thousands of records, longer than a request should
take, so the view starts a job and answers at once; the job page polls its state. The job
runs in the worker process that accepted it; its state is written to a job file
(:mod:`webapp.jobs.files`) so the poll may reach any worker. A worker that dies mid-audit
leaves the job reported as interrupted; every finished report is kept in the database by
:mod:`webapp.auditor.reports`.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from flask import current_app

from ledger.audit_scope import AuditScope
from ledger.errors import LedgerError, NotFoundError
from ledger.service import Ledger
from ledger.verification import CheckpointReader
from webapp.auditor.reports import make_report
from webapp.jobs.files import JobFiles
from webapp.jobs.table import JobTable

MAX_JOBS = 200
"""Jobs held in memory per process; older ones are read from their job files."""

_EXTENSION_KEY = "audit_jobs"


@dataclass
class AuditJob:
    """One audit's state: ``running`` then ``done`` (with ``report_id``) or ``failed`` (with ``error``)."""

    job_id: str
    created_by: str
    scope: AuditScope
    state: str = "running"
    phase: str = "queued"
    done: int = 0
    total: int = 0
    error: str | None = None
    report_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "state": self.state, "phase": self.phase, "done": self.done,
                "total": self.total, "error": self.error, "report_id": self.report_id,
                "scope": self.scope.describe()}

    def to_state(self) -> dict[str, Any]:
        return {**self.to_dict(), "created_by": self.created_by, "scope": self.scope.to_dict()}

    @classmethod
    def from_state(cls, state: dict[str, Any], orphaned: bool) -> AuditJob:
        job = cls(state["job_id"], state["created_by"], AuditScope.from_dict(state["scope"]), state["state"],
                  state["phase"], state["done"], state["total"], state["error"], state["report_id"])
        if orphaned:
            job.state, job.phase = "failed", "interrupted"
            job.error = "the portal worker running this audit stopped before it finished; start the audit again"
        return job


class AuditJobs:
    """The process's audit jobs, by id; safe to use from request and worker threads."""

    def __init__(self, logger: logging.Logger, files: JobFiles) -> None:
        self._table: JobTable[AuditJob] = JobTable(files, AuditJob.from_state, MAX_JOBS, "created_by")
        self._logger = logger
        self._files = files

    def get(self, job_id: str) -> AuditJob | None:
        """The job, from this process if it runs here, else from its job file."""
        return self._table.get(job_id)

    def require(self, job_id: str) -> AuditJob:
        """The job, or :class:`~ledger.errors.NotFoundError` (a 404 on the page and in the API)."""
        job = self.get(job_id)
        if job is None:
            raise NotFoundError(f"no audit job {job_id} (old jobs are forgotten; finished reports stay listed "
                                "with the others)", field="job_id")
        return job

    def _save(self, job: AuditJob, final: bool = False) -> None:
        self._files.write(job.job_id, job.to_state(), running=job.state == "running", final=final)

    def start(self, ledger: Ledger, chain: CheckpointReader | None, scope: AuditScope, created_by: str) -> AuditJob:
        """Register a job and run it in a daemon thread; returns at once."""
        job = AuditJob(secrets.token_urlsafe(12), created_by, scope)
        self._table.add(job.job_id, job, job.to_state())
        thread = threading.Thread(target=self._run, args=(job, ledger, chain), name=f"audit-{job.job_id}", daemon=True)
        thread.start()
        return job

    def _run(self, job: AuditJob, ledger: Ledger, chain: CheckpointReader | None) -> None:
        def progress(done: int, total: int) -> None:
            job.phase = "checking records" if done < total else "checking checkpoints and drawing charts"
            job.done, job.total = done, total
            self._save(job)

        job.phase = "selecting records"
        self._save(job)
        try:
            saved = make_report(ledger, chain, job.scope, job.created_by, progress)
        except LedgerError as exc:
            job.error, job.state = str(exc), "failed"
        except Exception as exc:  # a worker thread has no error handler: the job page must still say why
            self._logger.exception("audit job %s failed", job.job_id)
            job.error = f"the audit failed unexpectedly ({type(exc).__name__}); the error was logged"
            job.state = "failed"
        else:
            job.report_id, job.phase, job.state = saved.report_id, "done", "done"
        self._save(job, final=True)


def jobs() -> AuditJobs:
    """This app's job registry, created on first use."""
    state = current_app.extensions["carbonledger"]
    if _EXTENSION_KEY not in state:
        state[_EXTENSION_KEY] = AuditJobs(current_app.logger, JobFiles(state["config"].home / "jobs"))
    return state[_EXTENSION_KEY]
