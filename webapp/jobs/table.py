"""The background jobs of one kind a portal process can answer for: its own, and every worker's.

A job runs in a thread of the process that started it and is kept in that process's
memory, where its progress is current; the same job asked for in another worker process
(``carbonledger serve`` runs several) is read from its job file (:mod:`webapp.jobs.files`).
Audits and uploads keep their jobs here, each kind recognising its own files.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from webapp.jobs.files import JobFiles

J = TypeVar("J")


class JobTable(Generic[J]):
    """Thread-safe table of jobs by their unguessable id; the oldest beyond ``keep`` are left to their files."""

    def __init__(self, files: JobFiles, load: Callable[[dict[str, Any], bool], J], keep: int, marker: str) -> None:
        """``load(state, orphaned)`` rebuilds a job from its file; only files whose state holds ``marker`` are
        this kind's (audits and uploads share the job folder)."""
        self._jobs: OrderedDict[str, J] = OrderedDict()
        self._lock = threading.Lock()
        self._files = files
        self._load = load
        self._keep = keep
        self._marker = marker

    def add(self, job_id: str, job: J, state: Mapping[str, Any]) -> None:
        """Hold a new job, writing its first ``state`` where every worker reads it."""
        self._files.create(job_id, state)
        with self._lock:
            self._jobs[job_id] = job
            while len(self._jobs) > self._keep:
                self._jobs.popitem(last=False)

    def get(self, job_id: str) -> J | None:
        """The job, from this process if it runs here, else from its job file."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return job
        saved = self._files.read(job_id)
        if saved is None or self._marker not in saved.state:
            return None
        return self._load(saved.state, saved.orphaned)
