"""The PACT REST API (v2 and v3): OAuth2 client credentials, and every answer validated
against the official OpenAPI schemas in the standards folder."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.webapp.conftest import Portal


def _schema_validator(standards_dir: Path, version: str, path: str, method: str, status: str) -> Draft202012Validator:
    spec_path = standards_dir / "pact" / f"v{version}" / "openapi.yaml"
    if not spec_path.is_file():
        pytest.skip(f"{spec_path} is absent")
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    response = spec["paths"][path][method]["responses"][status]
    while "$ref" in response:  # a response may be a JSON pointer into the document (v2 and v3 differ where)
        target: Any = spec
        for part in response["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        response = target
    schema = dict(response["content"]["application/json"]["schema"])
    schema["components"] = spec["components"]
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def client_credentials(as_user) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A portal user (the tea supplier) and one of its API tokens, as client id and secret."""
    page = as_user("tea").post_form("/account/tokens", {"label": "pact"}).get_data(as_text=True)
    return "tea", page.split('<pre id="new-token">')[1].split("</pre>")[0]


def _basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


@pytest.fixture
def bearer(client, client_credentials) -> dict[str, str]:  # type: ignore[no-untyped-def]
    resp = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=_basic(*client_credentials))
    assert resp.status_code == 200 and resp.get_json()["token_type"] == "bearer"
    return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}


def test_token_endpoint_follows_rfc6749(client, client_credentials) -> None:  # type: ignore[no-untyped-def]
    user, secret = client_credentials
    bad = client.post("/auth/token", data={"grant_type": "client_credentials"}, headers=_basic(user, secret + "x"))
    assert bad.status_code == 401 and bad.get_json()["error"] == "invalid_client" and "WWW-Authenticate" in bad.headers
    wrong_grant = client.post("/auth/token", data={"grant_type": "password"}, headers=_basic(user, secret))
    assert wrong_grant.status_code == 400 and wrong_grant.get_json()["error"] == "unsupported_grant_type"
    assert client.post("/auth/token", data={"grant_type": "client_credentials"}).status_code == 400


@pytest.mark.parametrize("version", ["2", "3"])
def test_list_and_get_validate_against_the_official_schemas(client, bearer, standards_dir: Path,  # type: ignore[no-untyped-def]
                                                            version: str) -> None:
    listing = client.get(f"/{version}/footprints", headers=bearer)
    assert listing.status_code == 200
    body: dict[str, Any] = listing.get_json()
    _schema_validator(standards_dir, version, f"/{version}/footprints", "get", "200").validate(body)
    assert len(body["data"]) == 5  # the five demo orders
    pf = body["data"][0]
    one = client.get(f"/{version}/footprints/{pf['id']}", headers=bearer)
    assert one.status_code == 200 and one.get_json()["data"]["id"] == pf["id"]
    _schema_validator(standards_dir, version, f"/{version}/footprints/{{id}}", "get", "200").validate(one.get_json())
    again = client.get(f"/{version}/footprints/{pf['id']}", headers=bearer).get_json()
    assert again == one.get_json()  # ids and contents are stable: derived from the footprint record


@pytest.mark.parametrize("version", ["2", "3"])
def test_pagination_and_errors(client, bearer, standards_dir: Path, version: str) -> None:  # type: ignore[no-untyped-def]
    first = client.get(f"/{version}/footprints", query_string={"limit": 2}, headers=bearer)
    assert len(first.get_json()["data"]) == 2 and 'rel="next"' in first.headers["Link"]
    nxt = first.headers["Link"].split(">")[0].lstrip("<").replace("http://localhost", "")
    second = client.get(nxt, headers=bearer).get_json()["data"]
    assert {d["id"] for d in second}.isdisjoint({d["id"] for d in first.get_json()["data"]})
    missing = client.get(f"/{version}/footprints/00000000-0000-0000-0000-000000000000", headers=bearer)
    assert missing.status_code == 404 and missing.get_json()["code"] == "NotFound"
    _schema_validator(standards_dir, version, f"/{version}/footprints/{{id}}", "get", "404").validate(missing.get_json())
    denied = client.get(f"/{version}/footprints")
    assert denied.status_code == 403 and denied.get_json()["code"] == "AccessDenied"
    _schema_validator(standards_dir, version, f"/{version}/footprints", "get", "403").validate(denied.get_json())
    forged = client.get(f"/{version}/footprints", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 403
    assert client.get(f"/{version}/footprints", query_string={"limit": 0}, headers=bearer).status_code == 400


def test_v3_filters(client, bearer) -> None:  # type: ignore[no-untyped-def]
    tea = client.get("/3/footprints", query_string={"productId": "urn:gtin:06901234567892"}, headers=bearer)
    assert {len(d["productIds"]) > 0 for d in tea.get_json()["data"]} == {True}
    assert len(tea.get_json()["data"]) == 2  # the two orders with the Longjing tin
    nobody = client.get("/3/footprints", query_string={"companyId": "urn:pact:company:carbonledger:nobody"},
                        headers=bearer)
    assert nobody.get_json()["data"] == []
    for unsupported in ("geography", "classification", "validOn", "validAfter", "validBefore"):
        answer = client.get("/3/footprints", query_string={unsupported: "x"}, headers=bearer)
        assert answer.status_code == 400 and answer.get_json()["code"] == "NotImplemented", unsupported


EVENT_TYPE = {"2": "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
              "3": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3"}


def _event_validator(standards_dir: Path, version: str) -> Draft202012Validator:
    spec_path = standards_dir / "pact" / f"v{version}" / "openapi.yaml"
    if not spec_path.is_file():
        pytest.skip(f"{spec_path} is absent")
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    body = spec["paths"][f"/{version}/events"]["post"]["requestBody"]["content"]["application/cloudevents+json"]
    return Draft202012Validator({**body["schema"], "components": spec["components"]},
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("version", ["2", "3"])
def test_events(client, bearer, standards_dir: Path, version: str) -> None:  # type: ignore[no-untyped-def]
    event = {"type": EVENT_TYPE[version], "specversion": "1.0",
             "id": "e-1", "source": "//buyer.example/pact", "time": "2026-11-22T10:00:00Z",
             "data": {"pf": {"productIds": ["urn:gtin:06901234567892"]}, "comment": "please"}}
    _event_validator(standards_dir, version).validate(event)  # the event we send is one the spec defines
    ok = client.post(f"/{version}/events", json=event, headers=bearer)
    assert ok.status_code == 200
    other = EVENT_TYPE["3" if version == "2" else "2"]  # the other version's name is refused
    wrong = client.post(f"/{version}/events", json={**event, "type": other}, headers=bearer)
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "BadRequest"
    bad = client.post(f"/{version}/events", json={"type": "x"}, headers=bearer)
    assert bad.status_code == 400 and bad.get_json()["code"] == "BadRequest"
    assert client.post(f"/{version}/events", data="{nope", headers=bearer).status_code == 400
    assert client.post(f"/{version}/events", json=event).status_code == 403


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize(("body", "message"), [
    ("[" * 100_000, "the body is nested deeper than 64 levels of arrays and objects"),
    ('{"type": "x", "type": "y"}', "field type: repeats a member name in one object"),
    ('{"data": {"n": 1e17}}', "field data.n: is 1e+17, which RFC 8785 writes as the integer"),
    ("{nope", "the body is not valid JSON: Expecting property name enclosed in double quotes at column 2"),
], ids=["100000-brackets", "repeated-name", "1e17", "not-json"])
def test_an_event_body_that_is_not_ijson_is_a_400(client, bearer, version: str, body: str,  # type: ignore[no-untyped-def]
                                                  message: str) -> None:
    resp = client.post(f"/{version}/events", data=body, content_type="application/cloudevents+json", headers=bearer)
    assert resp.status_code == 400 and resp.get_json() == {"code": "BadRequest", "message": resp.get_json()["message"]}
    assert resp.get_json()["message"].startswith(message)
    assert client.get(f"/{version}/footprints", headers=bearer).status_code == 200  # still serving


def test_footprint_ids_match_the_ledger_records(portal: Portal, client, bearer) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from webapp.pact.routes import FOOTPRINT_NAMESPACE

    ids = {d["id"] for d in client.get("/2/footprints", headers=bearer).get_json()["data"]}
    recorded = {str(uuid.uuid5(FOOTPRINT_NAMESPACE, r.leaf_hash.hex()))
                for r in portal.ledger.records_of_kind("footprint", limit=100)}
    assert ids == recorded
