"""The JSON API: tokens, client-signed submissions, and 4xx JSON for every kind of bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator

from ledger.records.signing import SigningKey
from tests.records_factory import shipment
from tests.webapp.conftest import Portal
from tests.webapp.test_api_audits import follow_audit, token_headers
from tests.webapp.test_epcis import finished_capture, make_document, make_event


@pytest.fixture
def tea_api(as_user, portal: Portal):  # type: ignore[no-untyped-def]
    """An API token for the tea supplier, and the supplier's own (non-custodial) key."""
    tea = as_user("tea")
    page = tea.post_form("/account/tokens", {"label": "erp"}).get_data(as_text=True)
    token = page.split('<pre id="new-token">')[1].split("</pre>")[0]
    key = SigningKey.load(portal.config.home / "demo-keys" / "hangzhou-spring-tea.pem")
    return {"Authorization": f"Bearer {token}"}, key


def test_token_is_shown_once_and_stored_hashed(tea_api, as_user, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    headers, _ = tea_api
    token = headers["Authorization"].split()[1]
    assert token not in as_user("tea").client.get("/account/tokens").get_data(as_text=True)
    with portal.ledger.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM portal_api_tokens").scalars().all()
    assert stored and all(token.encode() not in bytes(h) for h in stored)


def test_submit_single_and_batch(tea_api, client) -> None:  # type: ignore[no-untyped-def]
    headers, key = tea_api
    one = key.sign_record(shipment("SH-API-1", shipper="hangzhou-spring-tea"))
    resp = client.post("/api/v1/records", json=one, headers=headers)
    assert resp.status_code == 201 and resp.get_json()["duplicate"] is False
    again = client.post("/api/v1/records", json=one, headers=headers)
    assert again.status_code == 200 and again.get_json()["seq"] == resp.get_json()["seq"]
    batch = [key.sign_record(shipment(f"SH-API-B{i}", shipper="hangzhou-spring-tea")) for i in range(3)]
    resp = client.post("/api/v1/records", json={"submissions": batch}, headers=headers)
    assert resp.status_code == 201 and len(resp.get_json()) == 3
    seq = resp.get_json()[0]["seq"]
    rec = client.get(f"/api/v1/records/{seq}").get_json()
    assert rec["envelope"]["record"]["shipment_id"] == "SH-API-B0" and rec["inclusion"]["proof"]
    found = client.get("/api/v1/records", query_string={"ref_type": "shipment_id", "value": "SH-API-B1"}).get_json()
    assert [r["seq"] for r in found] == [seq + 1]


def test_cannot_submit_with_someone_elses_key(tea_api, client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    headers, _ = tea_api
    volt = SigningKey.load(portal.config.home / "demo-keys" / "shenzhen-voltcraft.pem")
    resp = client.post("/api/v1/records", json=volt.sign_record(shipment("SH-V", shipper="shenzhen-voltcraft")),
                       headers=headers)
    assert resp.status_code == 403 and resp.get_json()["field"] == "key_id"


@pytest.mark.parametrize(("body", "content_type", "status", "fragment"), [
    ("{not json", "application/json", 400, "not valid JSON"),
    ("a=b", "application/x-www-form-urlencoded", 415, "Content-Type"),
    (json.dumps({"record": {}, "key_id": "KEY", "signature": "y", "extra": 1}), "application/json", 422, "unexpected member"),
    (json.dumps([1, 2]), "application/json", 422, "must be a JSON object"),
])
def test_bad_input_is_a_json_4xx(tea_api, client, body: str, content_type: str, status: int,  # type: ignore[no-untyped-def]
                                 fragment: str) -> None:
    headers, key = tea_api
    resp = client.post("/api/v1/records", data=body.replace("KEY", key.key_id), content_type=content_type,
                       headers=headers)
    assert resp.status_code == status and resp.is_json and fragment in resp.get_json()["message"]


def test_bad_signature_names_record_and_field(tea_api, client) -> None:  # type: ignore[no-untyped-def]
    headers, key = tea_api
    sub = key.sign_record(shipment("SH-S", shipper="hangzhou-spring-tea"))
    sub["record"]["mass_kg"] = 99.0
    body = client.post("/api/v1/records", json=sub, headers=headers).get_json()
    assert body["error"] == "SignatureError" and body["field"] == "signature" and "SH-S" in body["record"]


def test_api_needs_a_token_and_answers_404_as_json(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/api/v1/records", json={})
    assert resp.status_code == 401 and resp.is_json
    resp = client.post("/api/v1/records", json={}, headers={"Authorization": "Bearer clk_wrong"})
    assert resp.status_code == 401
    assert client.get("/api/v1/records/999999").status_code == 404
    assert client.get("/api/v1/nothing-here").get_json()["error"] == "NotFound"
    assert client.get("/api/v1/records", query_string={"ref_type": "colour", "value": "x"}).status_code == 400


def test_oversized_body_is_413(tea_api, client) -> None:  # type: ignore[no-untyped-def]
    headers, _ = tea_api
    resp = client.post("/api/v1/records", data="x" * (33 * 1024 * 1024), content_type="application/json",
                       headers=headers)
    assert resp.status_code == 413 and resp.is_json


def test_openapi_document_is_valid(client) -> None:  # type: ignore[no-untyped-def]
    from openapi_spec_validator import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    assert {"/log", "/records", "/records/{seq}", "/orders/{order}"} <= set(doc["paths"])


def _documented_operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of an OpenAPI document by (METHOD, full path with its server), parameters as {}."""
    out = {}
    for path, item in doc["paths"].items():
        base = (item.get("servers") or doc["servers"])[0]["url"]
        for method, op in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                out[(method.upper(), re.sub(r"\{[^}]+\}", "{}", base + path))] = op
    return out


def test_openapi_document_describes_every_epcis_route(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = _documented_operations(doc)
    routes = {(method, re.sub(r"<[^>]+>", "{}", rule.rule)) for rule in portal.app.url_map.iter_rules()
              if rule.rule.startswith("/epcis/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(routes) == 5 and routes <= set(operations), routes - set(operations)

    def names(op: dict[str, Any]) -> set[str]:
        return {p["name"] if "name" in p else p["$ref"].rsplit("/", 1)[1] for p in op["parameters"]}

    public = {("GET", "/epcis/events"), ("GET", "/epcis/events/{}")}  # queries need no token; capture does
    query = operations[("GET", "/epcis/events")]
    assert {"eventType", "GE_eventTime", "LT_eventTime", "EQ_bizStep", "MATCH_epc", "perPage"} <= names(query)
    for key in routes:
        op = operations[key]
        assert {"GS1-EPCIS-Version", "GS1-EPCIS-Min", "GS1-EPCIS-Max", "GS1-CBV-Version"} <= names(op), key
        assert all("GS1-EPCIS-Version" in r["headers"] for r in op["responses"].values()), key
        assert "406" in op["responses"]
        assert op["security"] == ([] if key in public else [{"bearer": []}]), key
    assert "Location" in operations[("POST", "/epcis/capture")]["responses"]["202"]["headers"]


def _schema_check(doc: dict[str, Any]) -> Callable[[str, Any], None]:
    """An assertion that a body matches component schema ``schema`` of the OpenAPI document ``doc``."""

    def check(schema: str, body: Any) -> None:
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{schema}",
                "components": doc["components"]}
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(root).iter_errors(body)]
        assert not errors, (schema, errors)

    return check


def test_epcis_answers_match_their_openapi_schemas(client, tea_api) -> None:  # type: ignore[no-untyped-def]
    check = _schema_check(client.get("/api/v1/openapi.json").get_json())
    headers, _ = tea_api
    document = make_document(make_event(1), make_event(2))
    check("EPCISDocument", document)
    resp = client.post("/epcis/capture", data=json.dumps(document), headers=headers, content_type="application/ld+json")
    assert resp.status_code == 202
    check("EPCISCaptureJob", resp.get_json())  # the job as accepted, running
    job = finished_capture(client, resp.headers["Location"], headers)
    check("EPCISCaptureJob", job)
    check("EPCISQueryDocument", client.get("/epcis/events", query_string={"perPage": "5"}).get_json())
    event_id = job["events"][0]["eventID"]
    check("EPCISQueryDocument", client.get(f"/epcis/events/{quote(event_id, safe='')}").get_json())
    check("EPCISProblem", client.get("/epcis/events", query_string={"perPage": "0"}).get_json())


def test_openapi_document_describes_every_audit_search_and_proof_route(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    operations = _documented_operations(client.get("/api/v1/openapi.json").get_json())
    routes = {(method, re.sub(r"<[^>]+>", "{}", rule.rule)) for rule in portal.app.url_map.iter_rules()
              if rule.endpoint.startswith("api_audits.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(routes) == 7 and routes <= set(operations), routes - set(operations)
    for key in routes:
        op = operations[key]
        if key[1].startswith("/api/v1/audits"):
            assert op["security"] == [{"bearer": []}] and {"401", "403"} <= set(op["responses"]), key
        else:
            assert op["security"] == [] and {"400", "404"} & set(op["responses"]), key
    assert "Location" in operations[("POST", "/api/v1/audits")]["responses"]["202"]["headers"]


def test_openapi_document_describes_every_admin_route(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    operations = _documented_operations(client.get("/api/v1/openapi.json").get_json())
    routes = {(method, re.sub(r"<[^>]+>", "{}", rule.rule)) for rule in portal.app.url_map.iter_rules()
              if rule.endpoint.startswith("api_admin.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {key for key in operations if key[1].startswith("/api/v1/admin/")}
    assert len(routes) == 11 and routes == documented, routes ^ documented
    for key in routes:
        assert operations[key]["security"] == [{"bearer": []}], key
        assert {"401", "403"} <= set(operations[key]["responses"]), key


def test_audit_search_and_proof_answers_match_their_openapi_schemas(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    check = _schema_check(client.get("/api/v1/openapi.json").get_json())
    auditor = token_headers(portal, "audit")
    scope = {"participant_id": "hangzhou-spring-tea", "start": "2020-01-01", "end": None,
             "order_ids": ["ORD-TEA-1001"], "max_anchor_delay_s": 3600}
    check("AuditScope", scope)
    resp = client.post("/api/v1/audits", json=scope, headers=auditor)
    assert resp.status_code == 202
    check("AuditJob", resp.get_json())  # as accepted, running
    state = follow_audit(client, auditor, resp.headers["Location"])
    check("AuditJob", state)
    report = client.get(state["report_url"], headers=auditor).get_json()
    check("AuditReportWithProof", report)  # its record not anchored yet
    check("ProofBundle", client.get(f"/api/v1/records/{report['record_seq']}/proof").get_json())
    portal.anchor()
    check("AuditReportWithProof", client.get(state["report_url"], headers=auditor).get_json())
    check("ProofBundle", client.get(f"/api/v1/records/{report['record_seq']}/proof").get_json())
    check("AuditReportPage", client.get("/api/v1/audits/reports", headers=auditor).get_json())
    check("SearchResult", client.get("/api/v1/search", query_string={"q": "06901234567892"}).get_json())
    check("Error", client.post("/api/v1/audits", json={"start": "soon"}, headers=auditor).get_json())
    check("Error", client.get("/api/v1/search").get_json())


def test_log_head_and_participants(client) -> None:  # type: ignore[no-untyped-def]
    head = client.get("/api/v1/log").get_json()
    assert head["size"] > 20 and len(head["root"]) == 64
    assert {p["participant_id"] for p in client.get("/api/v1/participants").get_json()} >= {"hangzhou-spring-tea"}


DEEP = "[" * 100_000
"""A body that overflows any recursive parser without a depth guard."""


def _still_serving(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/log").status_code == 200


@pytest.mark.parametrize(("body", "field", "message"), [
    ('{"record": {"kind": "shipment"}, "key_id": "a", "key_id": "b", "signature": "x"}', "key_id",
     "repeats a member name in one object: I-JSON names are unique (RFC 7493 §2.3)"),
    ('{"record": {"kind": "shipment", "mass_kg": 1e17}, "key_id": "a", "signature": "x"}', "record.mass_kg",
     "is 1e+17, which RFC 8785 writes as the integer 100000000000000000"),
    ('{"submissions": [{"record": {"mass_kg": 1152921504606846976}}]}', "submissions[0].record.mass_kg",
     "is the integer 1152921504606846976, beyond ±(2**53 - 1)"),
    ('{"record": {"mass_kg": NaN}}', "record.mass_kg", "is NaN, which is not a JSON number"),
    ('{"record": {"origin": {"name": "\\udc00"}}}', "record.origin.name", "holds a lone surrogate U+DC00"),
    (DEEP, None, "the body is nested deeper than 64 levels of arrays and objects"),
], ids=["repeated-name", "1e17", "2**60-in-batch", "nan", "lone-surrogate", "100000-brackets"])
def test_a_body_that_is_not_ijson_is_a_400_naming_the_field(tea_api, client, portal: Portal, body: str,  # type: ignore[no-untyped-def]
                                                            field: str | None, message: str) -> None:
    headers, _ = tea_api
    size = portal.ledger.log_info().size
    resp = client.post("/api/v1/records", data=body, content_type="application/json", headers=headers)
    assert resp.status_code == 400 and resp.is_json
    answer = resp.get_json()
    assert answer["error"] == "ApiInputError" and answer.get("field") == field and message in answer["message"]
    assert portal.ledger.log_info().size == size
    _still_serving(client)


def test_a_deep_body_is_refused_by_every_json_api(client, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    for path, user in (("/api/v1/audits", "audit"), ("/api/v1/admin/users", "root")):
        resp = client.post(path, data=DEEP, content_type="application/json", headers=token_headers(portal, user))
        assert resp.status_code == 400, path
        assert resp.get_json()["message"] == "the body is nested deeper than 64 levels of arrays and objects"
    _still_serving(client)
