"""The EPCIS capture job table: what ``GET /epcis/capture/{captureID}`` reports.

In process and bounded: a job lives until ``MAX_JOBS`` newer ones have started. The ledger
itself is the durable record of what a capture stored; the job only tells the client how
the capture went, as the EPCIS 2.0 REST binding requires.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

MAX_JOBS = 10_000
"""Jobs kept for status look-ups; older ones are forgotten first."""


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


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CaptureJobs:
    """Thread-safe table of capture jobs keyed by their unguessable capture id."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, CaptureJob] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, participant_id: str, now: datetime) -> CaptureJob:
        job = CaptureJob(secrets.token_urlsafe(16), participant_id, now)
        with self._lock:
            self._jobs[job.capture_id] = job
            while len(self._jobs) > MAX_JOBS:
                self._jobs.popitem(last=False)
        return job

    def get(self, capture_id: str) -> CaptureJob | None:
        with self._lock:
            return self._jobs.get(capture_id)
