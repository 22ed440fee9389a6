"""I-JSON (RFC 7493) at the door: every refusal names its field; what is accepted re-canonicalises.

The refusals are written out by hand with the path each must name; the properties tie
:func:`check_ijson` to the reference ``rfc8785`` serialiser: a number is accepted exactly
when its RFC 8785 text parses back to the same number and canonicalises again.
"""

from __future__ import annotations

import json
import math

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import SchemaError
from ledger.records.canonical import canonical_bytes
from ledger.records.ijson import MAX_DEPTH, MAX_EXACT_INTEGER, check_ijson, loads_ijson, parse_json

DEEP_OK = "[" * MAX_DEPTH + "]" * MAX_DEPTH
TOO_DEEP = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)

REFUSED_TEXT = [
    # (id, JSON text, field, message fragment)
    ("1e17", '{"a": 1e17}', "a", "is 1e+17, which RFC 8785 writes as the integer 100000000000000000, beyond"),
    # 1e16 does not round-trip either: 10**16 > 2**53 - 1, so RFC 8785's integer text re-parses out of range
    ("1e16", '{"a": 1e16}', "a", "writes as the integer 10000000000000000, beyond"),
    ("2**53-as-float", '{"a": 9007199254740992.0}', "a", "writes as the integer 9007199254740992, beyond"),
    ("2**53", '{"a": 9007199254740992}', "a", "is the integer 9007199254740992, beyond ±(2**53 - 1)"),
    ("-2**53", '{"a": -9007199254740992}', "a", "is the integer -9007199254740992, beyond"),
    ("2**60-in-list", '{"a": [1, 1152921504606846976]}', "a[1]", "is the integer 1152921504606846976"),
    ("huge-int", '{"a": 1' + "0" * 60 + "}", "a", "is the integer of 61 digits, beyond"),
    ("thousands-of-digits", '{"a": 1' + "0" * 5000 + "}", None, "holds an integer of thousands of digits"),
    ("nan", '{"a": NaN}', "a", "is NaN, which is not a JSON number (RFC 8259 §6)"),
    ("infinity", '{"a": {"b": Infinity}}', "a.b", "is Infinity, which is not a JSON number"),
    ("-infinity", '[-Infinity]', "[0]", "is -Infinity, which is not a JSON number"),
    ("overflow", '{"a": 1e400}', "a", "is Infinity, which is not a JSON number"),
    ("repeated-name", '{"a": {"b": 1, "c": 2, "b": 1}}', "a.b", "repeats a member name in one object"),
    ("repeated-top", '{"kind": "shipment", "kind": "shipment"}', "kind", "repeats a member name"),
    ("repeated-quoted-path", '[{"x y": {"k": 1, "k": 2}}]', '[0]["x y"].k', "repeats a member name"),
    ("lone-high-surrogate", '{"s": "\\ud800"}', "s", "holds a lone surrogate U+D800 at character 0"),
    ("lone-low-surrogate", '{"s": ["ok \\udfff"]}', "s[0]", "holds a lone surrogate U+DFFF at character 3"),
    ("surrogate-name", '{"e": {"\\ud83d": 1}}', 'e["\\ud83d"]', "is a member name with a lone surrogate U+D83D"),
    ("too-deep", TOO_DEEP, None, f"is nested deeper than {MAX_DEPTH} levels of arrays and objects"),
    ("too-deep-in-object", '{"a": ' + DEEP_OK + "}", None, f"is nested deeper than {MAX_DEPTH} levels"),
    ("100000-brackets", "[" * 100_000, None, f"is nested deeper than {MAX_DEPTH} levels"),
    ("100000-braces", '{"a":' * 100_000, None, f"is nested deeper than {MAX_DEPTH} levels"),
    ("not-json", "{bad", None, "is not valid JSON: Expecting property name enclosed in double quotes at column 2"),
    ("not-json-multiline", '{\n "a": }', None, "is not valid JSON: Expecting value at line 2, column 7"),
    ("trailing-garbage", "[1] x", None, "is not valid JSON: Extra data at column 5"),
]


@pytest.mark.parametrize(("text", "field", "message"), [c[1:] for c in REFUSED_TEXT], ids=[c[0] for c in REFUSED_TEXT])
def test_refused_texts_name_their_field(text: str, field: str | None, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        loads_ijson(text, record="#3")
    assert type(info.value) is SchemaError
    assert (info.value.record, info.value.field) == ("#3", field)
    assert message in info.value.message
    for data in (text.encode("utf-8", "surrogatepass"), bytearray(text, "utf-8", "surrogatepass")):
        with pytest.raises(SchemaError) as again:
            loads_ijson(data, record="#3")
        assert (again.value.field, again.value.message) == (field, info.value.message)


def test_bytes_must_be_utf8() -> None:
    with pytest.raises(SchemaError) as info:
        loads_ijson(b'{"a": "\xff"}')
    assert info.value.field is None
    assert info.value.message == "is not UTF-8 (RFC 7493 §2.1): invalid start byte at byte 7"


def test_path_prefixes_every_field_and_names_the_whole_text() -> None:
    """A CSV cell holding JSON: errors inside name ``column.path``, a broken cell the column."""
    with pytest.raises(SchemaError) as info:
        loads_ijson('[{"mass_kg": 1e17}]', "products", record="row 2")
    assert (info.value.record, info.value.field) == ("row 2", "products[0].mass_kg")
    with pytest.raises(SchemaError) as info:
        loads_ijson('[{"a": 1, "a": 2}]', "products")
    assert info.value.field == "products[0].a"
    with pytest.raises(SchemaError) as info:
        loads_ijson("[1,", "products")
    assert info.value.field == "products" and info.value.message.startswith("is not valid JSON")
    assert str(info.value) == "field products: is not valid JSON: Expecting value at column 4"


ACCEPTED_TEXT = [
    ("2**53-1", "9007199254740991", MAX_EXACT_INTEGER),
    ("-(2**53-1)", "-9007199254740991", -MAX_EXACT_INTEGER),
    ("1.5", "1.5", 1.5),
    ("0.1", "0.1", 0.1),
    ("1e15", "1e15", 1e15),  # integral, below 2**53: RFC 8785 writes 1000000000000000, which is exact
    ("1e21", "1e21", 1e21),  # from 1e21 RFC 8785 writes an exponent again: stays a float, round-trips
    ("-0.0", "-0.0", -0.0),
    ("smallest-subnormal", "5e-324", 5e-324),
    ("largest-double", "1.7976931348623157e308", 1.7976931348623157e308),
    ("surrogate-pair", '"\\ud83d\\ude00"', "\U0001F600"),
    ("brackets-in-strings", '["' + "[" * 200 + '", "\\"[[[[", "\\\\"]', ["[" * 200, '"[[[[', "\\"]),
    ("deep-but-allowed", DEEP_OK, json.loads(DEEP_OK)),
    ("deep-in-object", '{"a": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}", None),
    ("odd-names", '{"a.b": {"": [null, true, false]}}', {"a.b": {"": [None, True, False]}}),
]


@pytest.mark.parametrize(("text", "value"), [c[1:] for c in ACCEPTED_TEXT], ids=[c[0] for c in ACCEPTED_TEXT])
def test_accepted_texts_parse_like_json_and_recanonicalise(text: str, value: object) -> None:
    parsed = loads_ijson(text)
    assert parsed == json.loads(text)
    if value is not None:
        assert parsed == value
    once = canonical_bytes(parsed)
    assert canonical_bytes(json.loads(once)) == once == rfc8785.dumps(parsed)


def test_deep_nesting_is_measured_outside_strings_only() -> None:
    escaped_backslash = '["\\\\"' + ", [" * MAX_DEPTH + "]" * MAX_DEPTH + "]"  # the quote after \\ closes the string
    with pytest.raises(SchemaError, match=f"nested deeper than {MAX_DEPTH}"):
        loads_ijson(escaped_backslash)
    escaped_quote = '["\\"' + "[" * 100 + '"]'  # \" does not close it: the brackets are text
    assert loads_ijson(escaped_quote) == ['"' + "[" * 100]
    with pytest.raises(SchemaError, match="is not valid JSON: Unterminated string"):
        loads_ijson('["' + "[" * 100)


def test_parse_json_keeps_values_for_a_later_verdict() -> None:
    """Verification reads a bundle whose record may be out of range, and reports it instead."""
    assert parse_json('{"a": 1152921504606846976, "s": "\\ud800", "b": 1e17}') == {
        "a": 2**60, "s": "\ud800", "b": 1e17}
    with pytest.raises(SchemaError) as info:
        parse_json('{"a": 1152921504606846976, "b": {"c": 1, "c": 2}}')
    assert info.value.field == "b.c" and "repeats a member name" in info.value.message
    with pytest.raises(SchemaError) as info:
        parse_json('{"a": 1152921504606846976, "b": [NaN]}')
    assert info.value.field == "b[0]" and info.value.message.startswith("is NaN")
    assert parse_json(TOO_DEEP, max_depth=MAX_DEPTH + 1) == json.loads(TOO_DEEP)


class _Str(str):
    pass


REFUSED_VALUES = [
    ("int-key", {"a": {1: "x"}}, "a", "has the member name 1, a int: JSON names are strings"),
    ("none-key", {None: 1}, None, "has the member name None, a NoneType"),
    ("bytes", {"a": [b"x"]}, "a[0]", "is a bytes, which is not a JSON value"),
    ("set", {"a": {1}}, "a", "is a set, which is not a JSON value"),
    ("2**60", {"kind": "shipment", "mass_kg": 2**60}, "mass_kg", "is the integer 1152921504606846976"),
    ("float-1e17", {"p": [{"q": 1e17}]}, "p[0].q", "writes as the integer 100000000000000000"),
    ("nan", {"x": math.nan}, "x", "is NaN"),
    ("inf", {"x": (1, math.inf)}, "x[1]", "is Infinity"),
    ("lone-surrogate", {"x": "a\udc80"}, "x", "holds a lone surrogate U+DC80 at character 1"),
    ("too-deep", {"a": json.loads(DEEP_OK)}, "a" + "[0]" * (MAX_DEPTH - 1),
     f"is nested deeper than {MAX_DEPTH} levels"),
]


@pytest.mark.parametrize(("value", "field", "message"), [c[1:] for c in REFUSED_VALUES], ids=[c[0] for c in REFUSED_VALUES])
def test_refused_values_name_their_field(value: object, field: str | None, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        check_ijson(value, record="#0 (shipment SH-1)")
    assert (info.value.record, info.value.field) == ("#0 (shipment SH-1)", field)
    assert message in info.value.message


def test_check_ijson_prefixes_its_path_and_accepts_tuples_and_subclasses() -> None:
    with pytest.raises(SchemaError) as info:
        check_ijson({"mass_kg": 2**60}, "record")
    assert info.value.field == "record.mass_kg"
    with pytest.raises(SchemaError) as info:
        check_ijson([2**60], "record")
    assert info.value.field == "record[0]"
    check_ijson({"a": (1, 2.5, _Str("x"), True, None), _Str("b"): -MAX_EXACT_INTEGER})


def test_a_cyclic_value_is_refused_not_a_recursion_error() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(SchemaError, match=f"nested deeper than {MAX_DEPTH}"):
        check_ijson(loop)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**60), 2**60),
                 st.sampled_from([1e16, 1e17, 1e20, 1e21, 2.0**53, -(2.0**53), 2**53, 1e22, 123456789012345680.0])))
def test_a_number_is_accepted_exactly_when_its_rfc8785_form_round_trips(number: float | int) -> None:
    text = rfc8785.dumps(number) if abs(number) <= MAX_EXACT_INTEGER or isinstance(number, float) else None
    again = None if text is None else json.loads(text)
    round_trips = again is not None and again == number and (isinstance(again, float) or abs(again) <= MAX_EXACT_INTEGER)
    try:
        check_ijson({"n": number})
    except SchemaError as exc:
        assert not round_trips, f"{number!r} round-trips as {text!r} but was refused: {exc}"
        assert exc.field == "n"
    else:
        assert round_trips, f"{number!r} was accepted but RFC 8785 writes {text!r}"
        assert canonical_bytes(json.loads(canonical_bytes({"n": number}))) == canonical_bytes({"n": number})


def test_parse_json_not_strict_keeps_only_the_depth_bound_and_utf8() -> None:
    """For the ledger's own stored bytes, whose exactness the leaf hash proves."""
    assert parse_json('{"a": 1, "a": 2}', strict=False) == {"a": 2}
    assert math.isnan(parse_json("[NaN]", strict=False)[0])
    with pytest.raises(SchemaError, match=f"nested deeper than {MAX_DEPTH}"):
        parse_json("[" * 100_000, strict=False)
    with pytest.raises(SchemaError, match="is not UTF-8"):
        parse_json(b"\xff", strict=False)
