"""CSV, JSON Lines and JSON record files on the supplier upload page: checked in the request, stored in a job."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.records_factory import shipment
from tests.webapp.conftest import Portal, User
from tests.webapp.test_epcis_upload import JOB_READERS, assert_job_answers, upload
from webapp.app import create_app

JOB_URL = re.compile(r"/supplier/upload/records/[\w-]+")
TEA = "hangzhou-spring-tea"
COLUMNS = ["kind", "shipment_id", "order_id", "shipper", "consignee_country", "products", "mass_kg", "origin.name",
           "origin.unlocode", "destination.name", "destination.unlocode"]


def csv_file(rows: list[dict[str, Any]]) -> str:
    """Shipments as a spreadsheet exports them: dotted columns, the product list as a JSON cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([r["kind"], r["shipment_id"], r["order_id"], r["shipper"], r["consignee_country"],
                         json.dumps(r["products"]), r["mass_kg"], r["origin"]["name"], r["origin"]["unlocode"],
                         r["destination"]["name"], r["destination"]["unlocode"]])
    return out.getvalue()


def started(user: User, name: str, content: str) -> str:
    """Upload a file that passes the request's checks; the URL of the job storing it."""
    resp = upload(user, name, content)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    job_url = resp.headers["Location"]
    assert JOB_URL.fullmatch(job_url), job_url
    return job_url


def with_custodial_key(portal: Portal, participant_id: str = TEA) -> int:
    """Register the participant's portal key now, so the log size afterwards counts uploaded rows only."""
    portal.app.extensions["carbonledger"]["custodial_keys"].key(participant_id)
    return portal.ledger.log_info().size


def test_a_large_csv_shows_progress_and_every_row_is_stored(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    size = with_custodial_key(portal)
    rows = [shipment(f"SH-BULK-{i}", order_id="ORD-BULK", shipper=TEA) for i in range(5000)]
    job_url = started(tea, "bulk.csv", csv_file(rows))
    page = tea.client.get(job_url).get_data(as_text=True)
    assert 'id="job-progress"' in page and "job_progress.js" in page and "of 5000 rows" in page

    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    while not seen or seen[-1]["state"] == "running":
        assert time.monotonic() < deadline, seen[-1]
        seen.append(tea.client.get(job_url + ".json").get_json())
        time.sleep(0.05)
    assert all(s["total"] == 5000 and 0 <= s["done"] <= 5000 for s in seen)
    phases = [s["phase"] for s in seen]
    assert set(phases) <= {"queued", "signing rows", "verifying and storing rows", "done"}, phases
    assert seen[0]["state"] == "running", seen[0]  # signing 5,000 rows takes a good second
    assert any(s["state"] == "running" and 0 < s["done"] < 5000 for s in seen), seen  # the bar moved
    final = seen[-1]
    assert final == {**final, "state": "done", "phase": "done", "done": 5000, "error": None, "problems": [],
                     "message": "All 5000 rows accepted (5000 new, 0 already recorded)."}
    assert portal.ledger.log_info().size == size + 5000
    assert len(portal.ledger.records_by_ref("order_id", "ORD-BULK")) == 5000
    page = tea.client.get(job_url).get_data(as_text=True)
    assert final["message"] in page and 'href="/supplier/"' in page  # the link to the records list


def test_bad_rows_are_listed_in_the_request_and_nothing_is_stored(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    size = with_custodial_key(portal)
    rows = [shipment(f"SH-BAD-{i}", order_id="ORD-BAD", shipper=TEA) for i in range(6)]
    rows[1]["mass_kg"] = "heavy"
    rows[2]["destination"] = {"name": "Berlin", "unlocode": "XX"}
    rows[4]["consignee_country"] = ""
    resp = upload(tea, "bad.csv", csv_file(rows))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page
    assert "Nothing was stored from bad.csv." in page and "3 of 6 rows have problems" in page
    problems = re.findall(r"<li>(record row [^<]*)</li>", page)
    assert problems == [
        "record row 3, field mass_kg: Input should be a valid number, unable to parse string as a number",
        "record row 4, field destination.unlocode: String should match pattern &#39;^[A-Z]{2}[A-Z2-9]{3}$&#39;",
        "record row 6, field consignee_country: Field required",
    ]
    assert portal.ledger.log_info().size == size and portal.ledger.records_by_ref("order_id", "ORD-BAD") == []


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("empty.csv", ",".join(COLUMNS) + "\n", "empty.csv holds no records"),
    ("broken.jsonl", '{"kind": "shipment"}\n{"kind": ', "record line 2: is not valid JSON: Expecting value at column 10"),
    ("nokind.csv", "leg_id\nL1\n", "CSV needs a header row with a &#39;kind&#39; column"),
    ("notes.txt", "kind\nshipment\n", "cannot tell the format of &#39;notes.txt&#39;"),
])
def test_unreadable_files_are_answered_in_the_request(as_user, portal: Portal, name: str, content: str,  # type: ignore[no-untyped-def]
                                                      problem: str) -> None:
    resp = upload(as_user("tea"), name, content)
    assert resp.status_code == 422 and problem in resp.get_data(as_text=True)


def test_rows_the_ledger_refuses_fail_the_job_naming_them_and_nothing_is_stored(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    """Who may sign a row, and whether a corrected record exists, only the ledger can tell."""
    tea = as_user("tea")
    size = with_custodial_key(portal)
    unknown = "ab" * 32
    rows = [shipment("SH-REF-1", order_id="ORD-REF", shipper=TEA),
            shipment("SH-REF-2", order_id="ORD-REF", shipper="shenzhen-voltcraft"),
            shipment("SH-REF-3", order_id="ORD-REF", shipper=TEA),
            {"kind": "correction", "supersedes": unknown, "reason": "wrong mass"}]
    job_url = started(tea, "refused.jsonl", "\n".join(json.dumps(r) for r in rows))
    state = tea.follow_job(job_url)
    assert state["state"] == "failed" and state["phase"] == "failed" and state["message"] is None
    assert state["summary"] == "Nothing was stored: 2 of 4 rows were rejected."
    assert state["problems"] == [
        "line 2, field shipper: shipper 'shenzhen-voltcraft' is not the signer 'hangzhou-spring-tea'",
        f"line 4, field supersedes: no record with leaf hash {unknown}",
    ]
    assert state["error"] == "Nothing was stored. " + "; ".join(state["problems"])
    page = tea.client.get(job_url).get_data(as_text=True)
    assert "The upload failed." in page and state["summary"] in page
    assert "<li>line 4, field supersedes: no record with leaf hash" in page
    assert portal.ledger.log_info().size == size  # the good rows 1 and 3 were not stored either

    one = tea.follow_job(started(tea, "one.jsonl", json.dumps(rows[1])))  # a batch of one names its row too
    assert one["problems"] == [state["problems"][0].replace("line 2", "line 1")]
    assert one["summary"] == "Nothing was stored: 1 of 1 rows were rejected."


@pytest.mark.parametrize(("user", "status"), JOB_READERS)
def test_only_the_uploading_supplier_sees_the_job(as_user, client, user: str | None, status: int) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    job_url = started(tea, "mine.jsonl", json.dumps(shipment("SH-MINE-1", shipper=TEA)))
    tea.follow_job(job_url)
    assert_job_answers(client if user is None else as_user(user).client, job_url, status)


def test_a_record_upload_is_no_epcis_capture_nor_audit(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    job_url = started(tea, "mine.jsonl", json.dumps(shipment("SH-MINE-2", shipper=TEA)))
    assert tea.follow_job(job_url)["state"] == "done"
    job_id = job_url.rsplit("/", 1)[1]
    assert tea.client.get(f"/supplier/upload/epcis/{job_id}").status_code == 404
    token = portal.app.extensions["carbonledger"]["accounts"].issue_token("tea", "epcis")
    assert tea.client.get(f"/epcis/capture/{job_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert as_user("audit").client.get(f"/auditor/jobs/{job_id}.json").status_code == 404


def test_a_record_upload_is_followed_on_another_worker(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    rows = [shipment(f"SH-W-{i}", order_id="ORD-W", shipper=TEA) for i in range(50)]
    job_url = started(as_user("tea"), "w.csv", csv_file(rows))
    elsewhere = User(create_app(portal.config, testing=True, registry=portal.registry).test_client()).login("tea")
    assert elsewhere.follow_job(job_url)["message"] == "All 50 rows accepted (50 new, 0 already recorded)."
    assert len(portal.ledger.records_by_ref("order_id", "ORD-W")) == 50


def test_an_upload_whose_worker_died_is_reported_interrupted(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    script = (
        "import sys; from datetime import datetime, timezone; from pathlib import Path; "
        "from webapp.jobs.files import JobFiles; from webapp.jobs.uploads import UploadJob; "
        "job = UploadJob('deadbeef-upload-1', 'records', 'hangzhou-spring-tea', datetime.now(timezone.utc), "
        "phase='signing rows', done=10, total=99); "
        "JobFiles(Path(sys.argv[1])).create(job.job_id, job.to_state())"
    )
    subprocess.run([sys.executable, "-c", script, str(portal.config.home / "jobs")], check=True)
    state = as_user("tea").client.get("/supplier/upload/records/deadbeef-upload-1.json").get_json()
    assert state["state"] == "failed" and state["phase"] == "interrupted"
    assert state["summary"] == "The upload did not finish; upload it again."
    assert "stopped before it finished" in state["problems"][0] and "rows already stored" in state["problems"][0]
    assert as_user("volt").client.get("/supplier/upload/records/deadbeef-upload-1.json").status_code == 404
