"""Background jobs seen from another portal worker: ``carbonledger serve`` runs several processes.

A second app over the same installation stands for a second worker: it shares the
database and the home folder, nothing in memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from flask import Flask

from tests.webapp.conftest import Portal, User
from tests.webapp.test_auditor import WHOLE_LEDGER
from tests.webapp.test_epcis import finished_capture, make_document, make_event
from webapp.app import create_app


def _other_worker(portal: Portal) -> Flask:
    return create_app(portal.config, testing=True, registry=portal.registry)


def test_an_audit_started_on_one_worker_is_followed_on_another(portal: Portal) -> None:
    started = User(portal.app.test_client()).login("audit").post_form("/auditor/", WHOLE_LEDGER)
    assert started.status_code == 303
    elsewhere = User(_other_worker(portal).test_client()).login("audit")
    state = elsewhere.follow_job(started.headers["Location"])
    assert state["state"] == "done", state
    assert elsewhere.client.get(state["report_url"]).status_code == 200


def test_a_capture_job_is_readable_on_every_worker_by_its_owner_only(portal: Portal) -> None:
    accounts = portal.app.extensions["carbonledger"]["accounts"]
    tea = {"Authorization": f"Bearer {accounts.issue_token('tea', 'epcis')}"}
    volt = {"Authorization": f"Bearer {accounts.issue_token('volt', 'epcis')}"}
    resp = portal.app.test_client().post("/epcis/capture", data=json.dumps(make_document(make_event(1))),
                                         headers=tea, content_type="application/ld+json")
    assert resp.status_code == 202
    other = _other_worker(portal).test_client()
    status = finished_capture(other, resp.headers["Location"], tea)  # followed to its end from the other worker
    assert status["success"] is True
    assert status["events"][0]["eventHashID"].startswith("ni:///sha-256;")
    assert other.get(resp.headers["Location"], headers=volt).status_code == 404


def test_a_job_whose_worker_died_is_reported_interrupted(portal: Portal) -> None:
    """The job file written by a process that has since exited (a worker killed mid-audit)."""
    script = (
        "import sys; from pathlib import Path; from webapp.jobs.files import JobFiles; "
        "JobFiles(Path(sys.argv[1])).create('deadbeef-job-1', {'job_id': 'deadbeef-job-1', 'created_by': 'audit', "
        "'scope': {'participant_id': None, 'start': None, 'end': None, 'order_ids': [], 'max_anchor_delay_s': 3600}, "
        "'state': 'running', 'phase': 'checking records', 'done': 10, 'total': 99, 'error': None, 'report_id': None})"
    )
    subprocess.run([sys.executable, "-c", script, str(portal.config.home / "jobs")], check=True)
    auditor = User(_other_worker(portal).test_client()).login("audit")
    state: dict[str, Any] = auditor.client.get("/auditor/jobs/deadbeef-job-1.json").get_json()
    assert state["state"] == "failed" and "stopped before it finished" in state["error"]


def test_job_ids_never_reach_the_file_system_unchecked(portal: Portal) -> None:
    auditor = User(portal.app.test_client()).login("audit")
    for job_id in ("..%2F..%2Fportal-secret", "short", "a" * 65, "x.json"):
        assert auditor.client.get(f"/auditor/jobs/{job_id}.json").status_code == 404, job_id
