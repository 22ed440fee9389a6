"""The auditor flow, consumer search and record proofs as JSON under /api/v1 (webapp.auditor.api)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
import rfc8785
from flask.testing import FlaskClient

from ledger.records.public_ids import order_public_id
from ledger.verification import verify_bundle
from tests.webapp.conftest import Portal
from tests.webapp.test_auditor import PAGE_OBJECT, tamper_quantity

Headers = dict[str, str]


def token_headers(portal: Portal, username: str) -> Headers:
    token = portal.app.extensions["carbonledger"]["accounts"].issue_token(username, "api test")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auditor(portal: Portal) -> Headers:
    return token_headers(portal, "audit")


def follow_audit(client: FlaskClient, headers: Headers, location: str, timeout: float = 60) -> dict[str, Any]:
    """Poll a job's Location until it is no longer running; its final state."""
    deadline = time.monotonic() + timeout
    while True:
        resp = client.get(location, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        state = resp.get_json()
        if state["state"] != "running":
            return state
        assert time.monotonic() < deadline, f"job still running: {state}"
        time.sleep(0.1)


def run_audit(client: FlaskClient, headers: Headers, **scope: Any) -> dict[str, Any]:
    """Start an audit of ``scope`` through the API and return the finished job's state."""
    resp = client.post("/api/v1/audits", json=scope, headers=headers)
    assert resp.status_code == 202, resp.get_json()
    location = resp.headers["Location"]
    assert location == f"/api/v1/audits/jobs/{resp.get_json()['job_id']}"
    return follow_audit(client, headers, location)


def test_an_audit_runs_to_a_report_with_a_valid_proof_and_a_pdf(client, auditor: Headers,  # type: ignore[no-untyped-def]
                                                                 portal: Portal) -> None:
    accepted = client.post("/api/v1/audits", json={"participant_id": "shenzhen-voltcraft"}, headers=auditor)
    assert accepted.status_code == 202 and accepted.get_json()["state"] == "running"
    assert accepted.get_json()["scope"] == "participant shenzhen-voltcraft"
    state = follow_audit(client, auditor, accepted.headers["Location"])
    assert state["state"] == "done" and state["error"] is None
    assert state["report_url"] == f"/api/v1/audits/reports/{state['report_id']}"

    body = client.get(state["report_url"], headers=auditor).get_json()
    report, proof = body["report"], body["proof"]
    assert report["report_id"] == body["report_id"] == state["report_id"] and report["requested_by"] == "audit"
    assert report["ok"] is True and report["findings"] == [] and report["scope"]["participant_id"] == "shenzhen-voltcraft"
    digest = hashlib.sha256(rfc8785.dumps(report)).hexdigest()  # anyone can recompute it from the JSON
    assert proof["ok"] is True and proof["report_sha256"] == body["sha256"] == digest
    assert all(check["ok"] for check in proof["checks"]) and proof["verdict"]["ok"] is True
    [stored] = portal.ledger.records_by_ref("report_id", state["report_id"])
    assert proof["record_seq"] == body["record_seq"] == stored.seq
    assert proof["record"] == stored.record and proof["record"]["report_sha256"] == digest
    assert proof["leaf_hash"] == stored.leaf_hash.hex()
    assert proof["anchoring"]["anchored"] is False and proof["anchoring"]["leaf_hash"] == proof["leaf_hash"]

    portal.anchor()
    anchoring = client.get(state["report_url"], headers=auditor).get_json()["proof"]["anchoring"]
    assert anchoring["index"] == stored.seq and anchoring["chain"]["tx_hash"]
    assert verify_bundle(anchoring, portal.registry).ok

    pdf = client.get(state["report_url"] + ".pdf", headers=auditor)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert len(PAGE_OBJECT.findall(pdf.data)) >= 1


def test_a_tampered_record_is_a_finding_in_the_api_report(client, auditor: Headers,  # type: ignore[no-untyped-def]
                                                           portal: Portal) -> None:
    seq = tamper_quantity(portal, "SH-TEA-1001")
    state = run_audit(client, auditor, participant_id="hangzhou-spring-tea", order_ids=["ORD-TEA-1001"])
    assert state["state"] == "done"
    body = client.get(state["report_url"], headers=auditor).get_json()
    assert body["report"]["ok"] is False
    assert f"record {seq} (shipment)" in {f["subject"] for f in body["report"]["findings"]}
    assert body["proof"]["ok"] is True  # the report is genuine: it is the ledger that was tampered with
    assert body["proof"]["record"]["findings"] == len(body["report"]["findings"])


@pytest.mark.parametrize(("scope", "field", "message"), [
    ({"start": "2026-11-10", "end": "2026-11-01"}, "end", "the period ends (2026-11-01) before it starts (2026-11-10)"),
    ({"participant_id": "no-such-supplier"}, "participant_id", "no participant no-such-supplier in the ledger"),
    ({"order_ids": ["ORD-TEA-1001", "ORD-NOPE-1"]}, "order_ids", "no shipment of order ORD-NOPE-1 in the ledger"),
    ({"order_ids": "ORD-TEA-1001"}, "order_ids", 'order_ids must be an array of order ids, got "ORD-TEA-1001"'),
    ({"order_ids": ["ORD-TEA-1001,ORD-TEA-1002"]}, "order_ids",
     "'ORD-TEA-1001,ORD-TEA-1002' is not an order id (it holds a space, comma or semicolon)"),
    ({"start": "1 November"}, "start", "'1 November' is not a date (YYYY-MM-DD)"),
    ({"end": 20261101}, "end", "end must be a string or null, got 20261101"),
    ({"max_anchor_delay_s": -5}, "max_anchor_delay_s", "max anchor delay must be between 0 and 31536000 s, got -5"),
    ({"max_anchor_delay_s": "soon"}, "max_anchor_delay_s", 'max_anchor_delay_s must be a number of seconds, got "soon"'),
    ({"max_anchor_delay_s": True}, "max_anchor_delay_s", "max_anchor_delay_s must be a number of seconds, got true"),
    ({"supplier": "x"}, "supplier", "unknown scope member 'supplier'; a scope has participant_id, start, end, "
                                    "order_ids, max_anchor_delay_s"),
])
def test_a_bad_scope_is_a_400_naming_the_field(client, auditor: Headers, scope: dict[str, Any], field: str,  # type: ignore[no-untyped-def]
                                               message: str) -> None:
    resp = client.post("/api/v1/audits", json=scope, headers=auditor)
    assert resp.status_code == 400
    assert resp.get_json() == {"error": "AuditScopeError", "message": message, "field": field}


@pytest.mark.parametrize(("data", "content_type", "status", "message"), [
    ("[1]", "application/json", 400, "the scope must be a JSON object, got list"),
    ("{nope", "application/json", 400,
     "the body is not valid JSON: Expecting property name enclosed in double quotes at column 2"),
    ("participant_id=x", "application/x-www-form-urlencoded", 415,
     "send the body as JSON with 'Content-Type: application/json'"),
])
def test_a_scope_that_is_not_a_json_object_is_refused(client, auditor: Headers, data: str, content_type: str,  # type: ignore[no-untyped-def]
                                                      status: int, message: str) -> None:
    resp = client.post("/api/v1/audits", data=data, content_type=content_type, headers=auditor)
    assert resp.status_code == status and resp.get_json()["message"] == message


AUDIT_ROUTES = [("POST", "/api/v1/audits"), ("GET", "/api/v1/audits/jobs/nope-nope"),
                ("GET", "/api/v1/audits/reports"), ("GET", "/api/v1/audits/reports/AR-x"),
                ("GET", "/api/v1/audits/reports/AR-x.pdf")]


@pytest.mark.parametrize(("method", "path"), AUDIT_ROUTES)
@pytest.mark.parametrize(("user", "status", "message"), [
    (None, 401, "log in or send 'Authorization: Bearer <token>'"),
    ("tea", 403, "this page is for auditor or admin accounts"),
])
def test_audits_need_an_auditor_or_admin_token(client, portal: Portal, method: str, path: str,  # type: ignore[no-untyped-def]
                                               user: str | None, status: int, message: str) -> None:
    headers = token_headers(portal, user) if user else {}
    resp = client.open(path, method=method, json={}, headers=headers)
    assert resp.status_code == status and resp.is_json and resp.get_json()["message"] == message


def test_admins_audit_too_and_unknown_jobs_and_reports_are_404(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    admin = token_headers(portal, "root")
    assert run_audit(client, admin, order_ids=["ORD-ELEC-2001"])["state"] == "done"
    job = client.get("/api/v1/audits/jobs/nope-nope", headers=admin)
    assert job.status_code == 404 and job.get_json()["field"] == "job_id"
    for path in ("/api/v1/audits/reports/AR-none", "/api/v1/audits/reports/AR-none.pdf"):
        resp = client.get(path, headers=admin)
        assert resp.status_code == 404 and resp.get_json()["message"] == "no audit report AR-none", path


def test_reports_are_listed_newest_first_a_page_at_a_time(client, auditor: Headers) -> None:  # type: ignore[no-untyped-def]
    ids = [run_audit(client, auditor, order_ids=[order])["report_id"] for order in ("ORD-ELEC-2001", "ORD-TEA-1001")]
    everything = client.get("/api/v1/audits/reports", headers=auditor).get_json()
    assert [r["report_id"] for r in everything["reports"]] == ids[::-1] and everything["next"] is None
    first = client.get("/api/v1/audits/reports", query_string={"limit": "1"}, headers=auditor).get_json()
    assert [r["report_id"] for r in first["reports"]] == [ids[1]]
    assert first["next"] == "/api/v1/audits/reports?limit=1&offset=1"
    second = client.get(first["next"], headers=auditor).get_json()
    assert [r["report_id"] for r in second["reports"]] == [ids[0]] and second["next"] is None
    summary = second["reports"][0]
    assert summary["url"] == f"/api/v1/audits/reports/{ids[0]}" and summary["pdf_url"] == summary["url"] + ".pdf"


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"limit": "0"}, "limit", "limit must be a whole number from 1 to 100, got '0'"),
    ({"limit": "ten"}, "limit", "limit must be a whole number from 1 to 100, got 'ten'"),
    ({"offset": "-1"}, "offset", "offset must be a whole number from 0 to 1000000, got '-1'"),
])
def test_a_bad_page_is_a_400_naming_the_parameter(client, auditor: Headers, query: dict[str, str], field: str,  # type: ignore[no-untyped-def]
                                                  message: str) -> None:
    resp = client.get("/api/v1/audits/reports", query_string=query, headers=auditor)
    assert resp.status_code == 400 and resp.get_json() == {"error": "ApiInputError", "message": message,
                                                           "field": field}


def _found(order_id: str) -> dict[str, str]:
    public_id = order_public_id(order_id)
    return {"order_id": order_id, "public_id": public_id, "url": f"/p/{public_id}",
            "api_url": f"/api/v1/orders/{public_id}"}


@pytest.mark.parametrize(("query", "orders"), [
    ("ORD-TEA-1001", ["ORD-TEA-1001"]),
    ("SH-TEA-1001", ["ORD-TEA-1001"]),
    ("https://track.example.org/SH-TEA-1001?lang=de", ["ORD-TEA-1001"]),
    ("06970000000021", ["ORD-ELEC-2001"]),
    ("ORD-NOPE", []),
])
def test_search_finds_orders_as_the_consumer_search_does(client, query: str, orders: list[str]) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/search", query_string={"q": query})
    assert resp.status_code == 200 and resp.get_json() == {"query": query, "orders": [_found(o) for o in orders]}


def test_search_by_a_gtin_in_several_orders_finds_them_all_and_they_resolve(client) -> None:  # type: ignore[no-untyped-def]
    orders = client.get("/api/v1/search", query_string={"q": "06901234567892"}).get_json()["orders"]
    assert len(orders) >= 2 and _found("ORD-TEA-1001") in orders
    for order in orders:
        assert client.get(order["api_url"]).get_json()["order_id"] == order["order_id"]
        assert client.get(order["url"]).status_code == 200


@pytest.mark.parametrize("query", [{}, {"q": "  "}])
def test_search_without_a_query_is_a_400(client, query: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/search", query_string=query)
    assert resp.status_code == 400 and resp.get_json() == {
        "error": "ApiInputError", "field": "q",
        "message": "give q: an order number, shipment number, GTIN or tracking link"}


def test_record_proof_is_the_html_download(client, auditor: Headers, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    pending = run_audit(client, auditor, order_ids=["ORD-ELEC-2001"])  # appends a record after the last checkpoint
    [report_record] = portal.ledger.records_by_ref("report_id", pending["report_id"])
    for seq in (5, report_record.seq):
        api = client.get(f"/api/v1/records/{seq}/proof")
        download = client.get(f"/records/{seq}/proof.json")
        assert api.status_code == download.status_code == 200
        assert api.get_json() == json.loads(download.data), seq
    assert client.get(f"/api/v1/records/{report_record.seq}/proof").get_json()["anchored"] is False
    assert verify_bundle(client.get("/api/v1/records/5/proof").get_json(), portal.registry).ok
    missing = client.get("/api/v1/records/99999/proof")
    assert missing.status_code == 404 and missing.get_json()["message"] == "no record at position 99999"
