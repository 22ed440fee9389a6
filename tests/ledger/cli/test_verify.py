"""``carbonledger verify BUNDLE.json``: unreadable bundles exit 2, unverifiable records exit 1; never a traceback.

The bundles are real (a record anchored on eth-tester), then edited the way someone might
edit one by hand; the command checks them against an in-process eth-tester chain.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.anchoring import Anchorer, AnchorPolicy
from ledger.bundles import build_bundle
from ledger.chain import connect, deploy_registry
from ledger.cli import main
from ledger.config import Config
from ledger.records.signing import SigningKey
from ledger.service import Ledger
from ledger.verification import check_bundle_offline
from tests.records_factory import shipment


@pytest.fixture
def bundle(ledger: Ledger, tea_key: SigningKey, tmp_path: Path) -> dict[str, Any]:
    """The proof bundle of one shipment, anchored on an eth-tester registry."""
    config = Config(home=tmp_path / "chain-home", chain="tester")
    registry = deploy_registry(config, connect(config))
    seq = ledger.submit(tea_key.sign_record(shipment())).seq
    assert Anchorer(ledger.engine, registry, AnchorPolicy(batch_size=1)).step(force=True).anchored is not None
    return build_bundle(ledger, seq)


def verify(tmp_path: Path, content: str | bytes, *args: str) -> tuple[int, str]:
    path = tmp_path / "bundle.json"
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "elsewhere"), "verify", str(path), *args],
                                env={"CARBONLEDGER_CHAIN": "tester"}, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _set(path: tuple[str, ...], value: Any):  # type: ignore[no-untyped-def]
    def edit(bundle: dict[str, Any]) -> None:
        target = bundle
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


UNREADABLE_RECORDS = [
    ("integer-2**60", _set(("envelope", "record", "mass_kg"), 2**60), "field record.mass_kg: is the integer "
                                                                       "1152921504606846976, beyond ±(2**53 - 1)"),
    ("float-1e17", _set(("envelope", "record", "mass_kg"), 1e17), "field record.mass_kg: is 1e+17, which RFC 8785 "
                                                                  "writes as the integer 100000000000000000"),
    ("lone-surrogate", _set(("envelope", "record", "origin", "name"), "Hang\udc00zhou"),
     "field record.origin.name: holds a lone surrogate U+DC00"),
    ("record-not-an-object", _set(("envelope", "record"), ["shipment"]), "the record must be an object"),
    ("key-id-not-a-string", _set(("envelope", "key_id"), 7), "key_id, signature and received_at strings"),
]


@pytest.mark.parametrize(("edit", "detail"), [c[1:] for c in UNREADABLE_RECORDS], ids=[c[0] for c in UNREADABLE_RECORDS])
def test_a_record_that_cannot_be_recanonicalised_is_not_verified(bundle: dict[str, Any], tmp_path: Path, edit,  # type: ignore[no-untyped-def]
                                                                 detail: str) -> None:
    edited = copy.deepcopy(bundle)
    edit(edited)
    code, out = verify(tmp_path, json.dumps(edited, ensure_ascii=True))
    assert code == 1
    assert "✘ readable" in out and "the envelope is not valid I-JSON, so it cannot be re-canonicalised" in out
    assert detail in out and out.rstrip().endswith("NOT VERIFIED")
    code, out = verify(tmp_path, json.dumps(edited), "--json")
    verdict = json.loads(out)
    assert code == 1 and verdict["ok"] is False
    assert [(c["name"], c["ok"]) for c in verdict["checks"]] == [("readable", False)]  # nothing else could be checked


def test_a_hand_edited_record_fails_its_signature_and_leaf_hash(bundle: dict[str, Any]) -> None:
    edited = copy.deepcopy(bundle)
    edited["envelope"]["record"]["mass_kg"] = 15.0
    checks = {c.name: c.ok for c in check_bundle_offline(edited).checks}
    assert "readable" not in checks and checks["signature"] is False and checks["leaf hash"] is False


def test_a_chain_without_the_registry_exits_3_not_a_traceback(bundle: dict[str, Any], tmp_path: Path) -> None:
    """The in-process chain the command connects to is a fresh one: the bundle's contract is not there."""
    code, out = verify(tmp_path, json.dumps(bundle))
    assert code == 3
    assert f"no CheckpointRegistry answers at {bundle['chain']['contract_address']}" in out


UNREADABLE_FILES = [
    ("not-json", "{not json", "is not valid JSON: Expecting property name enclosed in double quotes at column 2"),
    ("100000-brackets", "[" * 100_000, "is nested deeper than 66 levels of arrays and objects"),
    ("repeated-name", '{"format": 1, "format": 2}', "repeats a member name in one object: I-JSON names are unique "
                                                    "(RFC 7493 §2.3) (field format)"),
    ("nan", '{"format": NaN}', "is NaN, which is not a JSON number"),
    ("not-utf8", b'{"format": "\xff"}', "is not UTF-8 (RFC 7493 §2.1): invalid start byte at byte 12"),
    ("no-chain", '{"format": 1}', "is not a proof bundle: KeyError('chain')"),
    ("address-not-a-string", '{"chain": {"contract_address": 5}}', "chain.contract_address is a int, not a string"),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in UNREADABLE_FILES], ids=[c[0] for c in UNREADABLE_FILES])
def test_a_file_that_is_no_bundle_exits_2_with_a_message(tmp_path: Path, content: str | bytes, message: str) -> None:
    code, out = verify(tmp_path, content)
    assert code == 2 and message in out and "bundle.json" in out
