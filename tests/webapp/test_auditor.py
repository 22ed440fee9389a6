"""The auditor flow: scope form → background job with progress → signed, verifiable report."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from sqlalchemy import text

from ledger.verification import verify_stored
from tests.webapp.conftest import Portal, User

WHOLE_LEDGER = {"participant_id": "", "start": "", "end": "", "order_ids": "", "max_anchor_delay_s": "3600"}
PAGE_OBJECT = re.compile(rb"/Type\s*/Page\b(?!s)")


def run_audit(user: User, **scope: str) -> dict[str, Any]:
    """Submit the scope form, follow the job until it ends, and return its final state."""
    resp = user.post_form("/auditor/", {**WHOLE_LEDGER, **scope})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    job_url = resp.headers["Location"]
    assert re.fullmatch(r"/auditor/jobs/[\w-]+", job_url)
    return user.follow_job(job_url)


def tamper_quantity(portal: Portal, shipment_id: str) -> int:
    """Edit a stored record behind the ledger's back, as an attacker with SQL access would."""
    seq = portal.ledger.records_by_ref("shipment_id", shipment_id)[0].seq
    with portal.ledger.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER records_no_update"))
        env = bytes(conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": seq}).scalar_one())
        assert b'"quantity":6' in env
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"),
                     {"e": env.replace(b'"quantity":6', b'"quantity":60'), "s": seq})
    return seq


@pytest.mark.parametrize(("user", "status"), [("tea", 403), ("volt", 403), ("audit", 200), ("root", 200)])
@pytest.mark.parametrize("path", ["/auditor/", "/auditor/jobs/nope.json", "/auditor/reports/AR-x",
                                  "/auditor/reports/AR-x.pdf"])
def test_only_auditors_and_admins_reach_audits(as_user, user: str, status: int, path: str) -> None:  # type: ignore[no-untyped-def]
    got = as_user(user).client.get(path).status_code
    assert got == (status if status == 403 or path == "/auditor/" else 404)


def test_anonymous_cannot_start_an_audit(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/auditor/", data=WHOLE_LEDGER)
    assert resp.status_code == 400  # no CSRF token: refused before the role check is even reached
    assert client.get("/auditor/reports/AR-x.json").status_code == 302


def test_job_runs_to_completion_and_the_report_is_a_verified_ledger_record(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    auditor = as_user("audit")
    state = run_audit(auditor)
    assert state["state"] == "done" and state["error"] is None
    assert state["total"] == state["done"] == portal.ledger.log_info().size - 1  # all but the report's own record
    report_url = state["report_url"]

    raw = auditor.client.get(report_url + ".json")
    assert raw.status_code == 200 and raw.mimetype == "application/json"
    body = json.loads(raw.data)
    assert body["format"] == "carbonledger-audit-report/1" and body["ok"] is True and body["findings"] == []
    assert body["report_id"] == state["report_id"] and body["requested_by"] == "audit"
    [stored] = portal.ledger.records_by_ref("report_id", state["report_id"])
    assert stored.kind == "audit_report" and stored.participant_id == portal.ledger.operator_id
    assert stored.record["report_sha256"] == hashlib.sha256(raw.data).hexdigest()
    assert stored.record["ok"] is True and stored.record["findings"] == 0
    assert verify_stored(portal.ledger, stored, portal.registry).ok

    portal.anchor()
    html = auditor.client.get(report_url).get_data(as_text=True)
    assert f"This report is ledger record {stored.seq}" in html and hashlib.sha256(raw.data).hexdigest() in html
    assert "which verified just now." in html and 'id="chart-mode"' in html and 'id="chart-primary"' in html
    assert state["report_id"] in auditor.client.get("/auditor/").get_data(as_text=True)


def test_pdf_has_pages_and_names_the_hash(as_user) -> None:  # type: ignore[no-untyped-def]
    auditor = as_user("audit")
    state = run_audit(auditor, participant_id="shenzhen-voltcraft")
    pdf = auditor.client.get(state["report_url"] + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and pdf.data.rstrip().endswith(b"%%EOF")
    assert len(PAGE_OBJECT.findall(pdf.data)) >= 1
    assert f'{state["report_id"]}.pdf' in pdf.headers["Content-Disposition"]


def test_a_tampered_record_is_a_finding_naming_it(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    seq = tamper_quantity(portal, "SH-TEA-1001")
    auditor = as_user("audit")
    state = run_audit(auditor, participant_id="hangzhou-spring-tea", order_ids="ORD-TEA-1001")
    assert state["state"] == "done"
    body = auditor.client.get(state["report_url"] + ".json").get_json()
    assert body["ok"] is False
    subjects = {f["subject"] for f in body["findings"]}
    assert f"record {seq} (shipment)" in subjects
    html = auditor.client.get(state["report_url"]).get_data(as_text=True)
    assert f"record {seq} (shipment)" in html and "finding(s)" in html
    [stored] = portal.ledger.records_by_ref("report_id", state["report_id"])
    assert stored.record["ok"] is False and stored.record["findings"] == len(body["findings"])
    pdf = auditor.client.get(state["report_url"] + ".pdf").data
    assert pdf.startswith(b"%PDF-") and len(PAGE_OBJECT.findall(pdf)) >= 1


def test_an_altered_copy_of_a_report_fails_its_proof(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    auditor = as_user("audit")
    state = run_audit(auditor, order_ids="ORD-ELEC-2001")
    with portal.ledger.engine.begin() as conn:
        kept = bytes(conn.execute(text("SELECT report FROM audit_reports WHERE report_id = :i"),
                                  {"i": state["report_id"]}).scalar_one())
        forged = kept.replace(b'"requested_by":"audit"', b'"requested_by":"someone-else"')
        conn.execute(text("UPDATE audit_reports SET report = :r WHERE report_id = :i"),
                     {"r": forged, "i": state["report_id"]})
    html = auditor.client.get(state["report_url"]).get_data(as_text=True)
    assert 'class="proof failed"' in html and "did NOT verify: report hash: the report hashes to " \
        f"{hashlib.sha256(forged).hexdigest()}; the record holds {hashlib.sha256(kept).hexdigest()}" in html



def test_a_copy_replaced_by_other_json_is_reported_not_a_500(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    auditor = as_user("audit")
    state = run_audit(auditor, order_ids="ORD-ELEC-2001")
    with portal.ledger.engine.begin() as conn:
        conn.execute(text("UPDATE audit_reports SET report = :r WHERE report_id = :i"),
                     {"r": b'{"nothing":"to see"}', "i": state["report_id"]})
    for url in (state["report_url"], state["report_url"] + ".pdf"):
        resp = auditor.client.get(url)
        assert resp.status_code == 409, url
        assert "not a readable report any more" in resp.get_data(as_text=True)


@pytest.mark.parametrize(("scope", "message"), [
    ({"start": "2026-11-10", "end": "2026-11-01"}, "the period ends (2026-11-01) before it starts (2026-11-10)"),
    ({"participant_id": "no-such-supplier"}, "no participant no-such-supplier in the ledger"),
    ({"order_ids": "ORD-TEA-1001, ORD-NOPE-1"}, "no shipment of order ORD-NOPE-1 in the ledger"),
    ({"start": "1 November"}, "&#39;1 November&#39; is not a date (YYYY-MM-DD)"),
    ({"max_anchor_delay_s": "-5"}, "max anchor delay must be between 0 and 31536000 s, got -5"),
    ({"max_anchor_delay_s": "soon"}, "max anchor delay must be a number of seconds, got &#39;soon&#39;"),
])
def test_bad_scope_is_refused_with_a_clear_message(as_user, scope: dict[str, str], message: str) -> None:  # type: ignore[no-untyped-def]
    resp = as_user("audit").post_form("/auditor/", {**WHOLE_LEDGER, **scope})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f'<p class="error" id="scope-error">{message}</p>' in page
    assert 'id="scope-form"' in page  # the form comes back, filled in, to be corrected


def test_a_failing_job_shows_why_instead_of_a_500(as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    portal.app.extensions["carbonledger"]["ledger"].operator_key = None  # a portal started without the key
    auditor = as_user("audit")
    state = run_audit(auditor)
    assert state["state"] == "failed" and state["report_id"] is None
    assert state["error"] == "this ledger was opened without the operator key"
    job_url = f"/auditor/jobs/{state['job_id']}"
    page = auditor.client.get(job_url)
    assert page.status_code == 200 and "The audit failed: <span" in page.get_data(as_text=True)
    assert "opened without the operator key" in page.get_data(as_text=True)


def test_unknown_job_and_report_are_404(as_user) -> None:  # type: ignore[no-untyped-def]
    auditor = as_user("audit")
    assert "no audit job nope" in auditor.client.get("/auditor/jobs/nope").get_data(as_text=True)
    resp = auditor.client.get("/auditor/reports/AR-none")
    assert resp.status_code == 404 and "no audit report AR-none" in resp.get_data(as_text=True)
