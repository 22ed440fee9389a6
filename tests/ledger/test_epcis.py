"""The pure EPCIS package: document parsing, structural checks and the CBV 2.0 event hash ID.

Golden vectors: the three worked examples of the reference implementation's README
(github.com/RalphTro/epcis-event-hash-generator, "Worked examples", CBV 2.0 column), whose
JSON-LD events are reproduced below with the pre-hash strings and hashes published there.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ledger.db import write_transaction
from ledger.epcis import EpcisError, EpcisUnsupportedError, check_event, event_hash_id, parse_document, pre_hash_string
from ledger.epcis.digital_link import (
    canonical_identifier,
    check_digit,
    constrain_digital_link,
    epc_uri_to_digital_link,
)
from ledger.epcis.epc_match import MATCH_FIELDS, canonical_epc, event_identifiers, parse_match
from ledger.epcis_index import backfill, event_refs, matching_seqs
from ledger.records.signing import SigningKey
from ledger.service import Ledger

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EXAMPLE_NS = {"example": "https://ns.example.com/epcis/"}

REFERENCE_1 = {  # README example 1: user extensions at event level
    "type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30.000+01:00", "eventTimeZoneOffset": "+01:00",
    "recordTime": "2020-03-04T11:00:30.999+01:00",
    "epcList": ["urn:epc:id:sscc:4012345.0000000333", "urn:epc:id:sscc:4012345.0000000111",
                "urn:epc:id:sscc:4012345.0000000222"],
    "action": "OBSERVE", "bizStep": "departing", "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.987"},
    "example:myField1": {"example:mySubField1": "2", "example:mySubField2": "5"}, "example:myField2": "0",
    "example:myField3": {"example:mySubField3": ["3", "1"]},
}
REFERENCE_2 = {  # README example 2: sensor data
    "type": "ObjectEvent", "eventTime": "2020-04-01T15:00:00+01:00", "eventTimeZoneOffset": "+01:00",
    "epcList": ["urn:epc:id:sgtin:4012345.011111.9876"], "action": "OBSERVE", "bizStep": "inspecting",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00005.0"},
    "sensorElementList": [{
        "sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.111", "deviceMetadata": "https://id.gs1.org/8004/4000001111"},
        "sensorReport": [
            {"type": "Temperature", "value": 26, "sDev": 0.1, "uom": "CEL"},
            {"type": "AbsoluteHumidity", "value": 12.1, "uom": "A93"},
            {"type": "Dimensionless", "microorganism": "https://www.ncbi.nlm.nih.gov/taxonomy/1126011", "value": 0.05,
             "uom": "C35"},
            {"type": "Dimensionless", "chemicalSubstance": "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
             "value": 0.18, "uom": "C35"},
        ],
    }],
}
REFERENCE_3 = {  # README example 3: bizTransaction, source/destination, extension inside readPoint
    "type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30+01:00", "eventTimeZoneOffset": "+01:00",
    "epcList": ["urn:epc:id:sgtin:0614141.011111.987"], "action": "OBSERVE", "bizStep": "departing",
    "disposition": "in_transit", "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.0", "example:myField1": "AB-12"},
    "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epc:id:gdti:4012345.11111.123"}],
    "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00000"}],
    "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:0614141.00000"}],
    "example:userExt": "CD-34",
}

GOLDEN = [
    (REFERENCE_1,
     "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcList"
     "epc=https://id.gs1.org/00/040123450000001112epc=https://id.gs1.org/00/040123450000002225"
     "epc=https://id.gs1.org/00/040123450000003338action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departing"
     "readPointid=https://id.gs1.org/414/4012345000115/254/987"
     "{https://ns.example.com/epcis/}myField1{https://ns.example.com/epcis/}mySubField1=2"
     "{https://ns.example.com/epcis/}mySubField2=5{https://ns.example.com/epcis/}myField2=0"
     "{https://ns.example.com/epcis/}myField3{https://ns.example.com/epcis/}mySubField3=1"
     "{https://ns.example.com/epcis/}mySubField3=3",
     "ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0"),
    (REFERENCE_2, None,
     "ni:///sha-256;271565c346ae2fb28c4583c4dca4ab4772d465eb4e0b6e548d77d8b49377d95c?ver=CBV2.0"),
    (REFERENCE_3,
     "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcList"
     "epc=https://id.gs1.org/01/00614141111114/21/987action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departing"
     "disposition=https://ref.gs1.org/cbv/Disp-in_transitreadPointid=https://id.gs1.org/414/4012345000115"
     "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=https://id.gs1.org/253/4012345111118123"
     "sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/417/4012345000009"
     "destinationListtype=https://ref.gs1.org/cbv/SDT-owning_partydestination=https://id.gs1.org/417/0614141000005"
     "readPoint{https://ns.example.com/epcis/}myField1=AB-12{https://ns.example.com/epcis/}userExt=CD-34",
     "ni:///sha-256;3ae14c02c4bdc220cc31942cf804f6845eb8dec96ba6483391c92a9b165f9329?ver=CBV2.0"),
]


def document(*events: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return {"@context": context or [CONTEXT, EXAMPLE_NS], "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2022-02-17T11:30:47.0Z", "epcisBody": {"eventList": list(events)}}


@pytest.mark.parametrize(("event", "pre_hash", "hash_id"), GOLDEN, ids=["extensions", "sensors", "readPoint-ext"])
def test_reference_implementation_goldens(event: dict[str, Any], pre_hash: str | None, hash_id: str) -> None:
    doc = parse_document(document(event))
    if pre_hash is not None:
        assert pre_hash_string(doc.events[0], doc.namespaces) == pre_hash
    assert event_hash_id(doc.events[0], doc.namespaces) == hash_id


def test_hash_ignores_serialisation_choices() -> None:
    """Same event, other spelling: URNs for vocab, Digital Link EPCs, reordered lists, eventID, other time zone."""
    base = event_hash_id(REFERENCE_1, EXAMPLE_NS)
    variant = copy.deepcopy(REFERENCE_1)
    variant["bizStep"] = "urn:epcglobal:cbv:bizstep:departing"
    variant["epcList"] = ["https://example.com/00/040123450000002225?x=1", "urn:epc:id:sscc:4012345.0000000333",
                          "https://id.gs1.org/00/040123450000001112"]
    variant["eventTime"] = "2020-03-04T10:00:30Z"
    variant["eventID"] = "urn:uuid:3c2a0c3e-5b7f-4c1e-9d1a-2f2b2d1e0a11"
    variant["recordTime"] = "2030-01-01T00:00:00Z"
    assert event_hash_id(variant, {"example": "https://ns.example.com/epcis/"}) == base


@pytest.mark.parametrize("change", [
    {"action": "ADD"}, {"eventTimeZoneOffset": "+02:00"}, {"example:myField2": "1"}, {"bizStep": "arriving"},
    {"epcList": ["urn:epc:id:sscc:4012345.0000000111"]},
])
def test_any_change_changes_the_hash(change: dict[str, Any]) -> None:
    assert event_hash_id({**REFERENCE_1, **change}, EXAMPLE_NS) != event_hash_id(REFERENCE_1, EXAMPLE_NS)


@pytest.mark.parametrize(("urn", "link"), [
    ("urn:epc:id:sgtin:4012345.011111.9876", "https://id.gs1.org/01/04012345111118/21/9876"),
    ("urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338"),
    ("urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054"),
    ("urn:epc:id:pgln:4012345.00000", "https://id.gs1.org/417/4012345000009"),
    ("urn:epc:id:gdti:4012345.11111.123", "https://id.gs1.org/253/4012345111118123"),
    ("urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111"),
    ("urn:epc:class:lgtin:4012345.011111.LOT-7", "https://id.gs1.org/01/04012345111118/10/LOT-7"),
    ("urn:epc:idpat:sgtin:4012345.011111.*", "https://id.gs1.org/01/04012345111118"),
])
def test_epc_uris_become_canonical_digital_links(urn: str, link: str) -> None:
    assert epc_uri_to_digital_link(urn) == link


@pytest.mark.parametrize(("urn", "link"), [
    ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
    ("urn:epc:id:sgtin:0614141.007346.2017", "https://id.gs1.org/01/00614141073467/21/2017"),
    ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
    ("urn:epc:id:sgln:0614141.12345.5678", "https://id.gs1.org/414/0614141123452/254/5678"),
    ("urn:epc:id:grai:0614141.12345.5678", "https://id.gs1.org/8003/006141411234525678"),
    ("urn:epc:id:giai:0614141.12345ABC", "https://id.gs1.org/8004/061414112345ABC"),
    ("urn:epc:id:gsrn:0614141.1234567890", "https://id.gs1.org/8018/061414112345678902"),
    ("urn:epc:id:gdti:0614141.12345.006847", "https://id.gs1.org/253/0614141123452006847"),
    ("urn:epc:class:lgtin:0614141.107346.998877", "https://id.gs1.org/01/10614141073464/10/998877"),
])
def test_tag_data_standard_examples(urn: str, link: str) -> None:
    """The element strings of the EPC Tag Data Standard's examples, check digits worked by hand:
    (01) 1 0614141 07346 4: 3*(1+6+4+4+0+3+6) + (0+1+1+1+7+4) = 72 + 14 = 86, so 4;
    (00) 1 0614141 234567890 8: 3*(1+6+4+4+2+4+6+8+0) + (0+1+1+1+3+5+7+9) = 105 + 27 = 132, so 8."""
    assert epc_uri_to_digital_link(urn) == link
    assert canonical_identifier(urn) == canonical_identifier(link) == link


@pytest.mark.parametrize("urn", [
    "urn:epc:id:sgtin:abc.def.1", "urn:epc:id:sgtin:1.2.3", "urn:epc:id:sgtin:0614141.10734.2017",
    "urn:epc:id:sscc:0614141.123456789", "urn:epc:id:sgln:0614141.12345", "urn:epc:id:sgtin:0614141.107346.",
    "urn:epc:id:giai:12345.1", "urn:epc:idpat:sgtin:0614141.*.*",
])
def test_malformed_epc_uris_are_refused_not_converted(urn: str) -> None:
    with pytest.raises(EpcisUnsupportedError):
        epc_uri_to_digital_link(urn)


def test_digital_links_are_constrained() -> None:
    assert constrain_digital_link("https://brand.example/01/4012345111118/10/L1/21/S9?linkType=all") == \
        "https://id.gs1.org/01/04012345111118/21/S9"
    assert constrain_digital_link("https://id.gs1.org/414/4012345000054/254/7") == "https://id.gs1.org/414/4012345000054/254/7"
    assert constrain_digital_link("http://transaction.acme.com/po/12345678") is None
    assert check_digit("401234500011") == "5"


@pytest.mark.parametrize(("event", "field", "message"), [
    ({**REFERENCE_1, "epcList": ["urn:epc:id:gid:95100000.12345.400"]}, None, "gid:95100000.12345.400"),
    ({**REFERENCE_2, "sensorElementList": [{"example:x": "1", "sensorReport": []}]},
     "sensorElementList[0].example:x", "user extensions inside this field"),
    ({**REFERENCE_1, "other:field": "1"}, "other:field", "declared in @context"),
    ({**REFERENCE_1, "gs1:masterDataAvailableFor": {"id": "x"}}, "gs1:masterDataAvailableFor", "CBV 2.1 draft"),
])
def test_unsupported_features_raise_instead_of_hashing(event: dict[str, Any], field: str | None, message: str) -> None:
    with pytest.raises(EpcisUnsupportedError, match=message) as caught:
        event_hash_id(event, EXAMPLE_NS, 3)
    if field is not None:
        assert (caught.value.record, caught.value.field) == ("event #3", field)


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"type": "ThingEvent"}, "type", "must be one of ObjectEvent"),
    ({"eventTime": "2020-03-04 11:00"}, "eventTime", "date-time with a time zone"),
    ({"eventTime": "2020-03-04T11:00:30"}, "eventTime", "date-time with a time zone"),
    ({"eventTime": "2020-02-30T11:00:30Z"}, "eventTime", "not a valid date-time"),
    ({"eventTimeZoneOffset": "+1:00"}, "eventTimeZoneOffset", "±hh:mm"),
    ({"eventTimeZoneOffset": "+15:00"}, "eventTimeZoneOffset", "±hh:mm"),
    ({"action": "UPDATE"}, "action", "must be one of ADD, OBSERVE, DELETE"),
    ({"action": None}, "action", "must be one of ADD"),
    ({"epcList": "urn:epc:id:sgtin:1.2.3"}, "epcList", "must be a list"),
    ({"epcList": [42]}, "epcList[0]", "EPC URI string"),
    ({"readPoint": {"name": "dock"}}, "readPoint.id", "is required"),
    ({"quantityList": [{"quantity": 2}]}, "quantityList[0].epcClass", "is required"),
    ({"quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.011111.L1", "quantity": "2"}]},
     "quantityList[0].quantity", "must be a number"),
])
def test_structural_errors_name_event_and_field(change: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(EpcisError, match=message) as caught:
        parse_document(document(REFERENCE_3, {**REFERENCE_1, **change}))
    assert (caught.value.record, caught.value.field) == ("event #1", field)


@pytest.mark.parametrize(("event", "field"), [
    ({"type": "TransactionEvent", "eventTime": "2020-03-04T11:00:30Z", "eventTimeZoneOffset": "+00:00",
      "action": "ADD"}, "bizTransactionList"),
    ({"type": "AggregationEvent", "eventTime": "2020-03-04T11:00:30Z", "eventTimeZoneOffset": "+00:00",
      "action": "ADD", "childEPCs": []}, "parentID"),
    ({"type": "TransformationEvent", "eventTime": "2020-03-04T11:00:30Z", "eventTimeZoneOffset": "+00:00",
      "action": "ADD"}, "action"),
])
def test_required_fields_per_event_type(event: dict[str, Any], field: str) -> None:
    with pytest.raises(EpcisError) as caught:
        check_event(event, 0)
    assert caught.value.field == field


@pytest.mark.parametrize(("body", "field", "message"), [
    (b"{not json", None, "not valid JSON"),
    (b"[]", None, "must be a JSON object"),
    (json.dumps({**document(REFERENCE_1), "type": "EPCISQueryDocument"}), "type", "EPCISDocument"),
    (json.dumps(document(REFERENCE_1, context="https://example.com/ctx.jsonld")), "@context", "cannot be resolved offline"),
    (json.dumps({**document(REFERENCE_1), "epcisBody": {}}), "epcisBody.eventList", "must be a list"),
])
def test_document_errors(body: Any, field: str | None, message: str) -> None:
    with pytest.raises(EpcisError, match=message) as caught:
        parse_document(body)
    assert caught.value.field == field


def test_context_prefixes_are_read_offline() -> None:
    doc = parse_document(document(REFERENCE_1, context=[CONTEXT, {"example": "https://ns.example.com/epcis/"},
                                                         {"acme": "https://acme.example/ns#"}]))
    assert doc.namespaces["example"] == "https://ns.example.com/epcis/"
    assert doc.namespaces["acme"] == "https://acme.example/ns#"
    assert doc.namespaces["gs1"] == "https://ref.gs1.org/voc/"


UNSUPPORTED_EXAMPLES = {
    "SensorDataExample6.jsonld", "SensorDataExample8.jsonld", "aggregation_event_all_possible_fields.jsonld",
    "association_event_all_possible_fields.jsonld", "object_event_all_possible_fields.jsonld",
}
"""Official examples with user extensions inside sensorElement: hashing them raises (documented)."""


def test_every_official_example_parses_and_hashes(standards_dir: Path) -> None:
    examples = sorted((standards_dir / "epcis" / "examples").glob("*.jsonld"))
    assert len(examples) >= 20
    for path in examples:
        doc = parse_document(path.read_bytes())
        assert doc.events, path.name
        for i, event in enumerate(doc.events):
            if path.name in UNSUPPORTED_EXAMPLES:
                with pytest.raises(EpcisUnsupportedError, match="sensorElementList"):
                    event_hash_id(event, doc.namespaces, i)
                continue
            hash_id = event_hash_id(event, doc.namespaces, i)
            assert hash_id.startswith("ni:///sha-256;") and hash_id.endswith("?ver=CBV2.0"), path.name


def test_urn_and_digital_link_spellings_of_an_official_example_hash_alike(standards_dir: Path) -> None:
    """Example 9.6.4 is published twice, with EPC URNs and with Digital Links, for the same event."""
    folder = standards_dir / "epcis" / "examples"
    hashes = []
    for name in ("Example_9.6.4-TransformationEvent.jsonld", "Example_9.6.4-TransformationEventWithDigitalLink.jsonld"):
        doc = parse_document((folder / name).read_bytes())
        hashes.append([event_hash_id(e, doc.namespaces, i) for i, e in enumerate(doc.events)])
    assert hashes[0] == hashes[1]


def test_list_order_and_key_order_do_not_change_the_hash() -> None:
    shuffled = json.loads(json.dumps(REFERENCE_2))
    shuffled["sensorElementList"][0]["sensorReport"].reverse()
    reordered = dict(reversed(list(shuffled.items())))
    assert event_hash_id(reordered) == event_hash_id(REFERENCE_2)


SGTIN_2017 = "urn:epc:id:sgtin:0614141.107346.2017"


@pytest.mark.parametrize(("value", "matching", "other"), [
    (SGTIN_2017, [SGTIN_2017, "https://id.gs1.org/01/10614141073464/21/2017",
                  "https://brand.example/01/10614141073464/21/2017?linkType=all"],
     ["https://id.gs1.org/01/00614141073467/21/2017", "urn:epc:id:sgtin:0614141.107346.20170",
      "https://id.gs1.org/01/10614141073464/21/2018"]),
    ("https://id.gs1.org/01/10614141073464/21/2017", [SGTIN_2017], ["urn:epc:id:sgtin:0614141.007346.2017"]),
    ("https://id.gs1.org/00/106141412345678908", ["urn:epc:id:sscc:0614141.1234567890"],
     ["urn:epc:id:sscc:0614141.1234567891"]),
    ("urn:epc:idpat:sgtin:0614141.107346.*", [SGTIN_2017, "https://id.gs1.org/01/10614141073464/21/X-1",
                                              "https://id.gs1.org/01/10614141073464"],
     ["urn:epc:class:lgtin:0614141.107346.998877", "urn:epc:id:sgtin:0614141.107347.1",
      "urn:epc:id:upui:0614141.107346.ABC"]),
    ("urn:epc:idpat:sgtin:0614141.*.*", [SGTIN_2017, "urn:epc:id:sgtin:0614141.712345.1",
                                         "https://id.gs1.org/01/70614141123451/21/2017"],
     ["urn:epc:id:sgtin:0614142.007346.5", "urn:epc:id:sscc:0614141.1234567890"]),
    ("urn:epc:idpat:sgtin:*.*.*", [SGTIN_2017], ["urn:epc:id:sscc:0614141.1234567890", "urn:epc:id:gid:1.2.3"]),
    ("urn:epc:idpat:sscc:0614141.*", ["urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/306141411111111117"],
     [SGTIN_2017, "urn:epc:id:sscc:0614142.1234567890"]),
    ("urn:epc:idpat:sgln:0614141.12345.*", ["urn:epc:id:sgln:0614141.12345.0", "urn:epc:id:sgln:0614141.12345.400",
                                            "https://id.gs1.org/414/0614141123452/254/7"],
     ["urn:epc:id:sgln:0614141.12346.0"]),
    ("urn:epc:idpat:grai:0614141.12345.*", ["urn:epc:id:grai:0614141.12345.400"], ["urn:epc:id:grai:0614141.12346.400"]),
    ("urn:epc:idpat:giai:0614141.*", ["urn:epc:id:giai:0614141.12345ABC"], ["urn:epc:id:giai:0614142.1"]),
    ("urn:epc:idpat:gsrn:0614141.*", ["urn:epc:id:gsrn:0614141.1234567890"], ["urn:epc:id:gsrnp:0614141.1234567890"]),
    ("urn:epc:idpat:gdti:0614141.12345.*", ["urn:epc:id:gdti:0614141.12345.006847"],
     ["urn:epc:id:gdti:0614141.12346.006847"]),
    ("https://id.gs1.org/01/10614141073464", [SGTIN_2017], ["urn:epc:class:lgtin:0614141.107346.998877"]),
    ("urn:epc:class:lgtin:0614141.107346.998877", ["https://id.gs1.org/01/10614141073464/10/998877"],
     ["urn:epc:id:sgtin:0614141.107346.998877"]),
    ("urn:epc:id:sgtin:4012345.011111.*", ["urn:epc:id:sgtin:4012345.011111.9"], ["urn:epc:id:sgtin:4012345.011112.9"]),
    ("urn:epc:id:sgtin:4012345.011111.9*", ["urn:epc:id:sgtin:4012345.011111.9*"], ["urn:epc:id:sgtin:4012345.011111.99"]),
    ("urn:epc:id:gid:95100000.12345.400", ["urn:epc:id:gid:95100000.12345.400"], ["urn:epc:id:gid:95100000.12345.4000"]),
    ("http://transaction.acme.com/po/12345678", ["http://transaction.acme.com/po/12345678"],
     ["http://transaction.acme.com/po/123456789"]),
])
def test_match_values_compare_canonical_identifiers(value: str, matching: list[str], other: list[str]) -> None:
    matcher = parse_match(value, "MATCH_epc")
    assert [x for x in matching if not matcher.matches(canonical_epc(x))] == []
    assert [x for x in other if matcher.matches(canonical_epc(x))] == []


@pytest.mark.parametrize(("value", "message"), [
    ("2017", "is not a URI"),
    ("urn:epc:id:sgtin:0614141.10734.2017", "is not a well-formed EPC URI"),
    ("urn:epc:id:sscc:0614141", "is not a well-formed EPC URI"),
    ("urn:epc:idpat:sgtin:0614141.*.2017", "'*' only for whole trailing ones"),
    ("urn:epc:idpat:sgtin:0614141.107346", "3 components"),
    ("urn:epc:idpat:sgtin:06141.*.*", "company prefix must be 6 to 12 digits"),
    ("urn:epc:idpat:sgtin:0614141.10734.*", "is not a well-formed pattern"),
    ("urn:epc:idpat:gid:95100000.*.*", "pattern of a scheme we cannot match"),
    ("https://id.gs1.org/00/106141412345678909", "wrong check digit"),
    ("https://brand.example/01/10614141073465/21/2017", "wrong check digit"),
])
def test_bad_match_values_name_the_parameter(value: str, message: str) -> None:
    with pytest.raises(EpcisError, match=re.escape(message)) as caught:
        parse_match(value, "MATCH_anyEPC")
    assert caught.value.field == "MATCH_anyEPC" and repr(value) in caught.value.message


def test_event_identifiers_of_each_match_parameter() -> None:
    event = {"type": "AggregationEvent", "parentID": "urn:epc:id:sscc:0614141.1234567890",
             "childEPCs": [SGTIN_2017, 42, "http://example.com/thing"]}
    assert event_identifiers(event, MATCH_FIELDS["MATCH_epc"]) == [
        "https://id.gs1.org/01/10614141073464/21/2017", "http://example.com/thing"]
    assert event_identifiers(event, MATCH_FIELDS["MATCH_parentID"]) == ["https://id.gs1.org/00/106141412345678908"]
    assert event_identifiers(event, MATCH_FIELDS["MATCH_inputEPC"]) == []
    assert len(event_identifiers(event, MATCH_FIELDS["MATCH_anyEPC"])) == 3


def _epcis_record(**fields: Any) -> dict[str, Any]:
    event = {"type": "ObjectEvent", "eventTime": "2024-05-01T10:00:00Z", "eventTimeZoneOffset": "+00:00",
             "action": "OBSERVE", **fields}
    return {"kind": "epcis_event", "schema_version": 1, "event": event}


LONG_URI = "urn:example:" + "x" * 250
EPCIS_RECORDS = [
    _epcis_record(epcList=[SGTIN_2017]),
    _epcis_record(epcList=["https://brand.example/01/10614141073464/21/2017"]),
    _epcis_record(type="AggregationEvent", action="ADD", parentID="https://id.gs1.org/00/106141412345678908",
                  childEPCs=["urn:epc:id:sgtin:0614141.712345.2018"]),
    _epcis_record(type="TransformationEvent", inputEPCList=[LONG_URI], outputEPCList=[SGTIN_2017]),
]
"""A URN, its Digital Link on another domain, a parent SSCC, and a transformation output (with an
input too long for the index column)."""


def _found(ledger: Ledger, param: str, *values: str) -> list[int]:
    return matching_seqs(ledger.engine, MATCH_FIELDS[param], [parse_match(v, param) for v in values], -1, 100)


def test_the_index_names_events_in_either_spelling(ledger: Ledger, tea_key: SigningKey) -> None:
    seqs = [r.seq for r in ledger.submit_many([tea_key.sign_record(r) for r in EPCIS_RECORDS])]
    assert _found(ledger, "MATCH_epc", "https://id.gs1.org/01/10614141073464/21/2017") == seqs[:2]
    assert _found(ledger, "MATCH_epc", SGTIN_2017) == seqs[:2]
    assert _found(ledger, "MATCH_epc", "urn:epc:idpat:sgtin:0614141.*.*") == seqs[:3]
    assert _found(ledger, "MATCH_epc", "https://id.gs1.org/01/00614141073467/21/2017") == []
    assert _found(ledger, "MATCH_parentID", "urn:epc:id:sscc:0614141.1234567890") == seqs[2:3]
    assert _found(ledger, "MATCH_outputEPC", "https://id.gs1.org/01/10614141073464/21/2017") == seqs[3:]
    assert _found(ledger, "MATCH_anyEPC", SGTIN_2017, "urn:epc:idpat:sscc:0614141.*") == seqs
    assert _found(ledger, "MATCH_inputEPC", LONG_URI) == seqs[3:]
    assert matching_seqs(ledger.engine, MATCH_FIELDS["MATCH_epc"], [parse_match(SGTIN_2017, "MATCH_epc")],
                         seqs[0], 1) == seqs[1:2]


def test_backfill_adds_the_refs_of_events_stored_without_them(ledger: Ledger, tea_key: SigningKey,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ledger.ingest.event_refs", lambda event: [])  # what ingest did before migration 0007
    seqs = [r.seq for r in ledger.submit_many([tea_key.sign_record(r) for r in EPCIS_RECORDS])]
    assert _found(ledger, "MATCH_anyEPC", SGTIN_2017) == []
    with write_transaction(ledger.engine) as conn:
        assert backfill(conn, batch=2) == sum(len(event_refs(r["event"])) for r in EPCIS_RECORDS) == 6
    assert _found(ledger, "MATCH_anyEPC", SGTIN_2017) == [seqs[0], seqs[1], seqs[3]]
    with write_transaction(ledger.engine) as conn:
        assert backfill(conn) == 0
