"""I-JSON (RFC 7493) at the door: only JSON that canonicalises, and re-canonicalises, exactly.

A record is signed and hashed in its RFC 8785 form, so every party must be able to
rebuild those bytes from the JSON it holds, with any JSON library, forever. That holds
only for I-JSON: numbers an IEEE 754 double carries exactly, unique member names, and
Unicode text. Everything else is ambiguous somewhere: a second ``"mass_kg"`` is read as
the first by one parser and the last by another; ``2**60`` turns into ``2**60 + 4`` in
JavaScript; ``1e17`` is written by RFC 8785 as the integer ``100000000000000000``, which
re-parses as an integer beyond 2**53 that RFC 8785 refuses to write at all; a lone
surrogate cannot be encoded as UTF-8; NaN is not JSON. So these are refused where they
come in, with the field that holds them, instead of failing (or worse, silently
changing) later, when the record is canonicalised, verified or audited.

Two entry points: :func:`loads_ijson` for JSON text (bodies, uploads, files), which also
bounds the nesting *before* parsing, and :func:`check_ijson` for values already in
Python (records built by forms, CSV rows, stored envelopes). :func:`parse_json` is the
syntax half alone, for readers of documents whose values are judged later (a proof
bundle whose record :mod:`ledger.verification` must report on, not refuse to read).

Pure: no I/O. Every problem is a :class:`~ledger.errors.SchemaError` whose ``field`` is a
dotted path (``products[0].mass_kg``, ``["odd key"]`` when a name needs quoting), the
notation :func:`ledger.records.schemas.validate_record` uses, and whose message reads
after that field (``field x: is ...``) as the ledger's other errors do.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from ledger.errors import SchemaError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted, counting the outermost as 1.

Records and EPCIS events nest a handful of levels (an extension object in the ILMD of an
event in an EPCIS document's event list is about seven deep), so 64 refuses nothing real.
It keeps every recursive consumer of a value (``json``'s scanner, pydantic, the
pure-Python ``rfc8785`` serialiser, the walks here) several hundred frames below Python's
recursion limit even when called from the bottom of a Flask + SQLAlchemy stack, so a body
of 100,000 ``[`` is answered with a 4xx instead of a ``RecursionError`` (or, in parsers
without a guard, a C stack overflow that kills the worker)."""

MAX_EXACT_INTEGER = 2**53 - 1
"""RFC 7493 §2.2: integers beyond ±(2**53 - 1) are not exact as IEEE 754 doubles, so two
parties may read different values from the same text; RFC 8785 refuses to write them."""

EXPONENT_FORM = 1e21
"""ECMAScript (and so RFC 8785) writes integral doubles below 1e21 as plain digits and
from 1e21 on with an exponent: a float ``x`` with ``2**53 <= |x| < 1e21`` becomes an
integer text that re-parses as an out-of-range integer, while ``1e21`` stays a float."""

_ALL_BUT_QUOTES_AND_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}

_PLAIN_NAME = re.compile(r"[\w@:$\-]+")
"""Member names written bare in a path (``ilmd.cbvmda:lotNumber``); others are quoted."""


class _Found(Exception):
    """Raised by the fast parse hooks: a repeated name or a NaN/Infinity, located afterwards."""


class _Problem(Exception):
    """A value that is not I-JSON; ``parts`` collects its path, innermost first."""

    def __init__(self, message: str, parts: list[str | int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parts: list[str | int] = parts or []


class _Repeated(dict):  # type: ignore[type-arg]
    """An object whose member names repeat (only built while locating the problem)."""

    repeated: str = ""


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Found
    return obj


def _refuse_constant(name: str) -> Any:
    raise _Found


def _mark_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    marked = _Repeated(obj)
    for name, _ in pairs:
        if name in seen:
            marked.repeated = name
            break
        seen.add(name)
    return marked


def _nesting(raw: bytes) -> int:
    """Deepest bracket nesting outside strings, in linear time and without recursion.

    Every step is a C loop over bytes (about 1 ms for a 250 kB body of 500 records, less
    than ``json.loads`` itself): drop escaped backslashes, then escaped quotes (in that
    order, left to right, so an escaped backslash never hides the quote after it), keep
    only quotes and brackets, drop what lies between a quote and the next (the strings),
    and count. Exact for valid JSON; on invalid JSON a parser stops at the first error,
    before it could nest deeper than this.
    """
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(raw.translate(None, _ALL_BUT_QUOTES_AND_BRACKETS).split(b'"')[::2])
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _path(prefix: str, parts: list[str | int]) -> str | None:
    path = prefix
    for part in reversed(parts):
        if isinstance(part, int):
            path += f"[{part}]"
        elif _PLAIN_NAME.fullmatch(part):
            path = f"{path}.{part}" if path else part
        else:
            path += f"[{json.dumps(part)}]"
    return path or None


def _text(data: str | bytes | bytearray, path: str, record: str | None) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaError(f"is not UTF-8 (RFC 7493 §2.1): {exc.reason} at byte {exc.start}", record=record,
                          field=path or None) from None


def parse_json(data: str | bytes | bytearray, path: str = "", *, record: str | None = None,
               max_depth: int = MAX_DEPTH, strict: bool = True) -> Any:
    """Parse one JSON text strictly: UTF-8, RFC 8259 only, unique member names, bounded depth.

    Numbers and strings come back as parsed (an integer beyond 2**53, a lone surrogate),
    for a reader that judges them later, as verification does with :func:`check_ijson`;
    doors that accept input use :func:`loads_ijson`. The depth is checked on the text
    before it is parsed, so no input can exhaust the stack. Raises
    :class:`~ledger.errors.SchemaError` with ``record`` as given and as ``field`` the
    repeated member or the NaN/Infinity at fault, under ``path`` (where the text sits,
    e.g. a CSV column; the whole text when nothing inside it is to blame).

    ``strict=False`` keeps only UTF-8 and the depth bound (repeated names: the last wins;
    NaN is read): for bytes the ledger wrote itself, a stored envelope, whose exactness
    the leaf hash proves; the parse hooks would cost three quarters again of ``json.loads``
    on every record read, and only the depth can hurt the reader.
    """
    text = _text(data, path, record)
    where = path or None
    if text.count("[") + text.count("{") > max_depth:  # else it cannot nest deeper: no scan
        raw = data if isinstance(data, (bytes, bytearray)) else text.encode("utf-8", "surrogatepass")
        if _nesting(bytes(raw)) > max_depth:
            raise SchemaError(f"is nested deeper than {max_depth} levels of arrays and objects", record=record,
                              field=where)
    try:
        if not strict:
            return json.loads(text)
        return json.loads(text, object_pairs_hook=_refuse_repeats, parse_constant=_refuse_constant)
    except _Found:
        pass
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if "\n" not in text else f"line {exc.lineno}, column {exc.colno}"
        raise SchemaError(f"is not valid JSON: {exc.msg} at {at}", record=record, field=where) from None
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise SchemaError("holds an integer of thousands of digits, beyond ±(2**53 - 1) (RFC 7493 §2.2)",
                          record=record, field=where) from None
    # A repeated name or a NaN/Infinity: parse again keeping them, to say where.
    marked = json.loads(text, object_pairs_hook=_mark_repeats)
    try:
        _walk(marked, 1, max_depth, values=False)
    except _Problem as problem:
        raise SchemaError(problem.message, record=record, field=_path(path, problem.parts)) from None
    raise AssertionError("a parse hook fired but no repeated name or non-finite number was found")


def loads_ijson(data: str | bytes | bytearray, path: str = "", *, record: str | None = None,
                max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON text that must be I-JSON (RFC 7493): :func:`parse_json`, then :func:`check_ijson`.

    Raises :class:`~ledger.errors.SchemaError` naming ``record`` and the field at fault
    (under ``path``, as :func:`parse_json` does).
    """
    value = parse_json(data, path, record=record, max_depth=max_depth)
    check_ijson(value, path, record=record, max_depth=max_depth)
    return value


def check_ijson(value: Any, path: str = "", *, record: str | None = None, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a Python value that is not I-JSON, or whose RFC 8785 form would not re-parse to itself.

    Walks dicts and lists (``path`` prefixes the fields named); refuses non-string member
    names, integers beyond ±(2**53 - 1), NaN and infinities, floats that RFC 8785 writes as
    out-of-range integers (``1e17``), strings with lone surrogates, values of types JSON
    has not, and nesting deeper than ``max_depth`` (so a cyclic value is refused too).
    Raises :class:`~ledger.errors.SchemaError` with ``record`` and the field's path.
    """
    try:
        _walk(value, 1, max_depth)
    except _Problem as problem:
        raise SchemaError(problem.message, record=record, field=_path(path, problem.parts)) from None


def _walk(value: Any, depth: int, max_depth: int, values: bool = True) -> None:
    """Raise :class:`_Problem` at the first value that is not I-JSON (``depth``: of ``value`` if a container).

    ``values=False`` looks only for what :func:`parse_json` refuses: repeated names and
    non-finite numbers.
    """
    kind = type(value)
    if kind is str or isinstance(value, str):
        if values:
            _check_string(value, "holds")
    elif value is None or kind is bool:
        pass
    elif isinstance(value, dict):
        if depth > max_depth:
            raise _Problem(f"is nested deeper than {max_depth} levels of arrays and objects")
        if isinstance(value, _Repeated):
            raise _Problem("repeats a member name in one object: I-JSON names are unique (RFC 7493 §2.3)",
                           [value.repeated])
        for name, item in value.items():
            if not isinstance(name, str):
                raise _Problem(f"has the member name {name!r}, a {type(name).__name__}: JSON names are strings")
            try:
                if values:
                    _check_string(name, "is a member name with")
                _walk(item, depth + 1, max_depth, values)
            except _Problem as problem:
                problem.parts.append(name)
                raise
    elif isinstance(value, (list, tuple)):
        if depth > max_depth:
            raise _Problem(f"is nested deeper than {max_depth} levels of arrays and objects")
        for i, item in enumerate(value):
            try:
                _walk(item, depth + 1, max_depth, values)
            except _Problem as problem:
                problem.parts.append(i)
                raise
    elif isinstance(value, int):
        if values and not -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
            raise _Problem(f"is the integer {_shown(value)}, beyond ±(2**53 - 1): I-JSON numbers must be exact as "
                           "IEEE 754 doubles (RFC 7493 §2.2); send it as a string")
    elif isinstance(value, float):
        _check_float(value, values)
    else:
        raise _Problem(f"is a {kind.__name__}, which is not a JSON value")


def _shown(value: int) -> str:
    digits = str(abs(value)) if value.bit_length() < 14_000 else ""  # str() of a huge int is refused past 4,300 digits
    if digits and len(digits) <= 40:
        return str(value)
    return f"of {len(digits)} digits" if digits else f"of about {int(value.bit_length() * 0.30103)} digits"


def _check_float(value: float, values: bool) -> None:
    if not math.isfinite(value):
        name = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
        raise _Problem(f"is {name}, which is not a JSON number (RFC 8259 §6); send a finite number or null")
    if values and value.is_integer() and MAX_EXACT_INTEGER < abs(value) < EXPONENT_FORM:
        raise _Problem(f"is {value!r}, which RFC 8785 writes as the integer {int(value)}, beyond ±(2**53 - 1), "
                       "so it could never be canonicalised again (RFC 7493 §2.2); send it as a string")


def _check_string(text: str, verb: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Problem(f"{verb} a lone surrogate U+{ord(text[exc.start]):04X} at character {exc.start}, "
                       "which is not Unicode text (RFC 7493 §2.1)") from None
