"""Background jobs' state where every portal worker process can read it: one JSON file per job.

``carbonledger serve`` runs the portal as several processes. A job (an audit, an EPCIS
capture) runs in a thread of the process that accepted it, but the page polling its
progress may reach any of them, so the state cannot live in one process's memory. It is
not ledger data either: the ledger keeps what a job produced (records, reports); the job
state only says how it is going. Files under ``<home>/jobs`` serve that without taking
the database's write lock, which a capture holds while it appends its batch.

A job whose process died mid-way is reported as such (its pid is gone from this host)
instead of showing "running" forever.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
"""Job ids are ``secrets.token_urlsafe`` strings; anything else never reaches the file system."""

KEEP = 10_000
"""Job files kept; the oldest go first when a new job starts."""

PROGRESS_INTERVAL_S = 0.25
"""Progress is written at most this often (the final state always is)."""


@dataclass(frozen=True)
class JobState:
    state: dict[str, Any]
    orphaned: bool  # it says running, but the process running it is gone


class JobFiles:
    """The job files of one installation."""

    def __init__(self, directory: Path, keep: int = KEEP) -> None:
        self.directory = directory
        self.keep = keep
        self._host = socket.gethostname()
        self._written: dict[str, float] = {}

    def _path(self, job_id: str) -> Path | None:
        return self.directory / f"{job_id}.json" if JOB_ID.match(job_id) else None

    def create(self, job_id: str, state: Mapping[str, Any]) -> None:
        """Write a new job's first state, forgetting the oldest jobs beyond :data:`KEEP`."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.write(job_id, state, running=True, final=True)
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in files[:max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)

    def write(self, job_id: str, state: Mapping[str, Any], *, running: bool, final: bool = False) -> None:
        """Replace the job's state atomically; progress (``final=False``) is throttled."""
        now = time.monotonic()
        if not final and now - self._written.get(job_id, 0.0) < PROGRESS_INTERVAL_S:
            return
        path = self._path(job_id)
        if path is None:
            raise ValueError(f"not a job id: {job_id!r}")
        self._written[job_id] = now
        if not running:
            self._written.pop(job_id, None)
        body = {"state": dict(state), "running": running, "pid": os.getpid(), "host": self._host}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(body, default=str), encoding="utf-8")
        os.replace(tmp, path)

    def read(self, job_id: str) -> JobState | None:
        path = self._path(job_id)
        if path is None:
            return None
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        orphaned = body["running"] and body["host"] == self._host and not _alive(body["pid"])
        return JobState(body["state"], orphaned)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
