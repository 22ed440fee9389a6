"""EPCIS 2.0 documents uploaded on the supplier page: captured in a background job with progress."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.records_factory import shipment
from tests.webapp.conftest import Portal, User, csrf_token
from tests.webapp.test_epcis import Epcis, epcis_count, make_document, make_event

JOB_URL = re.compile(r"/supplier/upload/epcis/[\w-]+")


def upload(user: User, name: str, content: bytes | str, **extra: str):  # type: ignore[no-untyped-def]
    """Post the upload form. The body is encoded here because werkzeug's test client, encoding a
    multipart body over 500 kB itself, leaves its temporary file open (a ResourceWarning)."""
    data = content.encode() if isinstance(content, str) else content
    token = csrf_token(user.client.get("/supplier/upload").get_data(as_text=True))
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name), "csrf_token": token, **extra})
    return user.client.post("/supplier/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def capture(user: User, name: str, content: bytes | str, **extra: str) -> tuple[str, dict[str, Any]]:
    """Upload a document, follow the capture job to its end; its URL and final state."""
    resp = upload(user, name, content, **extra)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    job_url = resp.headers["Location"]
    assert JOB_URL.fullmatch(job_url), job_url
    return job_url, user.follow_job(job_url)


def api(portal: Portal, username: str) -> Epcis:
    token = portal.app.extensions["carbonledger"]["accounts"].issue_token(username, "epcis")
    return Epcis(portal.app.test_client(), token)


def events_of(client: FlaskClient, **params: str) -> list[dict[str, Any]]:
    resp = client.get("/epcis/events", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.mark.parametrize(("example", "upload_as"), [
    ("Example_9.6.1-ObjectEvent.jsonld", "Example_9.6.1-ObjectEvent.jsonld"),
    ("Example_9.6.3-AggregationEvent.jsonld", "aggregation-export.json"),  # known by its content, not its name
])
def test_official_example_is_captured_from_the_upload_page(as_user, portal: Portal, standards_dir: Path,  # type: ignore[no-untyped-def]
                                                            example: str, upload_as: str) -> None:
    path = standards_dir / "epcis" / "examples" / example
    document = json.loads(path.read_bytes())
    events = document["epcisBody"]["eventList"]
    tea = as_user("tea")
    before = epcis_count(portal)
    job_url, state = capture(tea, upload_as, path.read_bytes())
    assert state["state"] == "done" and state["error"] is None, state
    assert state["done"] == state["total"] == len(events)
    counted = f"All {len(events)} events" if len(events) != 1 else "The one event"
    assert state["message"] == f"{counted} captured ({len(events)} new, 0 already recorded)."
    assert epcis_count(portal) == before + len(events)
    page = tea.client.get(job_url).get_data(as_text=True)
    assert "job_progress.js" in page and state["message"] in page

    key = portal.app.extensions["carbonledger"]["custodial_keys"].key("hangzhou-spring-tea")
    for event in events:
        found = events_of(tea.client, MATCH_epc=(event.get("epcList") or event["childEPCs"])[0])
        ours = [e for e in found if e["eventTime"] == event["eventTime"]]
        assert len(ours) == 1, found
        if "eventID" in event:
            assert ours[0]["eventID"] == event["eventID"]
            one = tea.client.get(f"/epcis/events/{quote(event['eventID'], safe='')}")
            assert one.status_code == 200
        stored = portal.ledger.record(ours[0]["cl:seq"])
        assert stored.participant_id == "hangzhou-spring-tea" and stored.key_id == key.key_id

    # the same job, read through the REST binding with an API token, is the standard capture job
    capture_id = job_url.rsplit("/", 1)[1]
    tea_api = api(portal, "tea")
    job = tea_api.client.get(f"/epcis/capture/{capture_id}", headers=tea_api.auth).get_json()
    assert job["success"] is True and len(job["events"]) == len(events)

    _, again = capture(tea, upload_as, path.read_bytes())  # captured twice: nothing new, still all accepted
    assert again["state"] == "done" and "0 new" in again["message"]
    assert epcis_count(portal) == before + len(events)


def test_a_bad_event_is_named_and_nothing_is_written(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    size = portal.ledger.log_info().size
    bad = make_event(2, eventTimeZoneOffset="2h")
    resp = upload(tea, "shipments.jsonld", json.dumps(make_document(make_event(1), bad, make_event(3))))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422, page
    assert "Nothing was stored from shipments.jsonld" in page
    assert "record event #1, field eventTimeZoneOffset: must be ±hh:mm" in page

    sensor = {"sensorReport": [{"type": "Temperature", "value": 20, "example:probe": "P-1"}]}
    unhashable = make_event(4, sensorElementList=[sensor])  # a hash we do not support, and no eventID of its own
    resp = upload(tea, "sensor.json", json.dumps(make_document(make_event(1), unhashable)))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "record event #1, field sensorElementList[0].sensorReport[0]" in page

    broken = upload(tea, "broken.jsonld", '{"type": "EPCISDocument", ')
    assert broken.status_code == 422 and "not valid JSON" in broken.get_data(as_text=True)
    not_epcis = upload(tea, "query.jsonld", json.dumps({"type": "EPCISQueryDocument"}))
    assert not_epcis.status_code == 422 and "field type: must be &#34;EPCISDocument&#34;" in not_epcis.get_data(as_text=True)
    too_many = upload(tea, "big.jsonld", json.dumps(make_document(*[make_event(1)] * 10_001)))
    assert too_many.status_code == 413 and "at most 10000" in too_many.get_data(as_text=True)
    assert portal.ledger.log_info().size == size


def test_an_event_rejected_by_the_ledger_fails_the_job_and_nothing_is_written(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea = as_user("tea")
    first = make_event(5, eventID="urn:uuid:0c2f3b4a-3333-4c1e-9d1a-2f2b2d1e0a11")
    assert capture(tea, "first.jsonld", json.dumps(make_document(first)))[1]["state"] == "done"
    before = epcis_count(portal)
    clash = {**first, "action": "ADD"}  # a different event under an eventID already captured
    job_url, state = capture(tea, "second.jsonld", json.dumps(make_document(make_event(6), clash)))
    assert state["state"] == "failed" and state["message"] is None
    assert state["error"].startswith("Nothing was stored. event #1, field eventID: eventID urn:uuid:")
    assert "already names another captured event" in state["error"]
    page = tea.client.get(job_url).get_data(as_text=True)
    assert "The capture failed." in page and "event #1, field eventID" in page
    assert epcis_count(portal) == before  # the good event #0 was not stored either


def test_records_json_is_still_read_as_records(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    rows = [shipment("SH-JSON-1", shipper="hangzhou-spring-tea")]
    tea = as_user("tea")
    resp = upload(tea, "records.json", json.dumps({"records": rows}))
    assert resp.status_code == 303 and "/supplier/upload/records/" in resp.headers["Location"]
    assert tea.follow_job(resp.headers["Location"])["message"] == "The one row accepted (1 new, 0 already recorded)."
    assert len(portal.ledger.records_by_ref("shipment_id", "SH-JSON-1")) == 1


def test_a_supplier_cannot_capture_as_another(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    tea, volt = as_user("tea"), as_user("volt")
    document = json.dumps(make_document(make_event(7)))
    job_url, state = capture(tea, "mine.jsonld", document, participant_id="shenzhen-voltcraft",
                             participant="shenzhen-voltcraft")  # form fields naming another supplier are ignored
    assert state["state"] == "done"
    capture_id = job_url.rsplit("/", 1)[1]
    tea_api = api(portal, "tea")
    seq = tea_api.client.get(f"/epcis/capture/{capture_id}", headers=tea_api.auth).get_json()["events"][0]["seq"]
    stored = portal.ledger.record(seq)
    tea_key = portal.app.extensions["carbonledger"]["custodial_keys"].key("hangzhou-spring-tea")
    assert stored.participant_id == "hangzhou-spring-tea" and stored.key_id == tea_key.key_id
    # another supplier cannot see the job, on the page, in its JSON or through the REST binding
    assert volt.client.get(job_url).status_code == 404
    assert volt.client.get(job_url + ".json").status_code == 404
    volt_api = api(portal, "volt")
    assert volt_api.client.get(f"/epcis/capture/{capture_id}", headers=volt_api.auth).status_code == 404


JOB_READERS = [(None, 302), ("audit", 403), ("root", 403), ("volt", 404), ("tea", 200)]
"""Who may read tea's upload job: anonymous is sent to log in, other roles are refused, another
supplier finds nothing, the uploader reads it."""


def assert_job_answers(reader: FlaskClient, job_url: str, status: int) -> None:
    """The job page and its ``.json`` state both answer ``status`` to ``reader``."""
    for url in (job_url, job_url + ".json"):
        resp = reader.get(url)
        assert resp.status_code == status, (url, resp.get_data(as_text=True))
        if status == 302:
            assert "/login" in resp.headers["Location"]


@pytest.mark.parametrize(("user", "status"), JOB_READERS)
def test_job_status_is_role_protected(as_user, client, user: str | None, status: int) -> None:  # type: ignore[no-untyped-def]
    job_url, _ = capture(as_user("tea"), "doc.jsonld", json.dumps(make_document(make_event(8))))
    reader = client if user is None else as_user(user).client
    assert_job_answers(reader, job_url, status)
    if status == 200:
        state = reader.get(job_url + ".json").get_json()
        assert set(state) >= {"job_id", "state", "phase", "done", "total", "error", "message"}


def test_progress_counts_every_event_of_a_large_document(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    events = [make_event(n, epcList=[f"urn:epc:id:sgtin:4012345.022222.{n}"]) for n in range(2500)]
    before = epcis_count(portal)
    _, state = capture(as_user("tea"), "large.jsonld", json.dumps(make_document(*events)))
    assert state["state"] == "done" and state["done"] == state["total"] == 2500 and state["phase"] == "done"
    assert epcis_count(portal) == before + 2500
