"""The ``carbonledger`` command as a script would use it: real files, real database."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from tests.records_factory import shipment, transport_leg


@pytest.fixture
def run(tmp_path: Path):
    """Invoke the CLI against a home in tmp_path; returns (exit code, stdout, stderr)."""
    runner = CliRunner()
    home = tmp_path / "home"

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(main, ["--home", str(home), *args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def supplier(run, tmp_path: Path) -> Path:
    """An initialised ledger with the tea supplier registered; returns its key file."""
    assert run("init")[0] == 0
    key = tmp_path / "tea.pem"
    assert run("keygen", str(key))[0] == 0
    code, out, err = run("register", "tea-co", "--name", "Hangzhou Spring Tea", "--role", "supplier",
                         "--country", "CN", "--public-key", str(key) + ".pub")
    assert code == 0, err
    return key


def test_init_is_idempotent(run) -> None:
    code, out, _ = run("init", "--json")
    assert code == 0 and json.loads(out)["created_genesis"] is True
    code, out, _ = run("init", "--json")
    assert code == 0 and json.loads(out)["created_genesis"] is False and json.loads(out)["log_size"] == 2


def test_commands_before_init_exit_3(run) -> None:
    code, _, err = run("status")
    assert code == 3 and "carbonledger init" in err


def test_keygen_refuses_to_overwrite(run, tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    code, out, _ = run("keygen", str(key), "--json")
    assert code == 0 and json.loads(out)["key_id"].startswith("ed25519:")
    code, _, err = run("keygen", str(key))
    assert code == 2 and "refusing to overwrite" in err


def test_submit_json_jsonl_and_csv(run, supplier: Path, tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(shipment("SH-1", shipper="tea-co")))
    lines = [json.dumps(shipment(f"SH-L{i}", shipper="tea-co")) for i in range(3)]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n")
    with open(tmp_path / "legs.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["kind", "schema_version", "leg_id", "shipment_ids", "mode", "vehicle", "origin.name",
                    "origin.unlocode", "destination.name", "destination.unlocode", "payload_kg", "distance_km", "fuel"])
        w.writerow(["transport_leg", "1", "007", "SH-1;SH-L0", "road", "hgv_artic_avg_laden", "Hangzhou", "CNHGH",
                    "Shanghai", "CNSHA", "18000", "176", '[{"type": "diesel", "amount": 61.2, "unit": "l"}]'])
    code, out, err = run("submit", str(tmp_path / "one.json"), str(tmp_path / "many.jsonl"),
                         str(tmp_path / "legs.csv"), "--key", str(supplier), "--json")
    assert code == 0, err
    receipts = json.loads(out)
    assert [r["seq"] for r in receipts] == [4, 5, 6, 7, 8]
    code, out, _ = run("status", "--json")
    status = json.loads(out)
    assert status["records_by_kind"]["shipment"] == 4 and status["records_by_kind"]["transport_leg"] == 1
    # typed by the schema, not guessed: the id "007" stays a string, numbers become numbers
    code, out, _ = run("log", "--inclusion", "8", "--json")
    assert code == 0 and json.loads(out)["verified"] is True
    # resubmitting is harmless
    code, out, _ = run("submit", str(tmp_path / "one.json"), "--key", str(supplier))
    assert code == 0 and "accepted 0 new record(s); 1 already present" in out


def test_submit_reports_every_bad_row_and_stores_nothing(run, supplier: Path, tmp_path: Path) -> None:
    rows = [shipment("SH-1", shipper="tea-co"), shipment("SH-2", shipper="tea-co", mass_kg=-3),
            transport_leg(mode="hovercraft")]
    (tmp_path / "bad.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    code, _, err = run("submit", str(tmp_path / "bad.jsonl"), "--key", str(supplier))
    assert code == 2
    assert "2 of 3 records are invalid, nothing submitted" in err
    assert "bad.jsonl line 2, field mass_kg" in err and "bad.jsonl line 3, field mode" in err
    assert json.loads(run("status", "--json")[1])["log_size"] == 4


def test_submit_refused_by_the_ledger_names_the_position(run, supplier: Path, tmp_path: Path) -> None:
    rows = [shipment("SH-1", shipper="tea-co"), shipment("SH-2", shipper="someone-else")]
    (tmp_path / "x.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    code, _, err = run("submit", str(tmp_path / "x.jsonl"), "--key", str(supplier))
    assert code == 2 and "x.jsonl line 2" in err and "is not the signer" in err
    assert json.loads(run("status", "--json")[1])["log_size"] == 4


def test_submit_rejects_malformed_files(run, supplier: Path, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    code, _, err = run("submit", str(tmp_path / "x.json"), "--key", str(supplier))
    assert code == 2 and "not valid JSON" in err
    (tmp_path / "x.txt").write_text("{}")
    code, _, err = run("submit", str(tmp_path / "x.txt"), "--key", str(supplier))
    assert code == 2 and "cannot tell the format" in err
    (tmp_path / "x.csv").write_text("leg_id\nL1\n")
    code, _, err = run("submit", str(tmp_path / "x.csv"), "--key", str(supplier))
    assert code == 2 and "'kind' column" in err


@pytest.mark.parametrize(("name", "content", "message"), [
    ("x.json", '{"kind": "shipment", "mass_kg": 1e17}', "field mass_kg: is 1e+17, which RFC 8785 writes as the integer"),
    ("x.json", '{"kind": "shipment", "kind": "shipment"}', "field kind: repeats a member name"),
    ("x.jsonl", '{"kind": "shipment"}\n{"mass_kg": NaN}', "record line 2, field mass_kg: is NaN"),
    ("x.json", "[" * 100_000, "is nested deeper than 64 levels"),
    ("x.csv", 'kind,products\nshipment,"[{""quantity"": 1152921504606846976}]"\n',
     "record row 2, field products[0].quantity: is the integer 1152921504606846976"),
], ids=["1e17", "repeated-name", "jsonl-nan", "too-deep", "csv-cell-2**60"])
def test_submit_refuses_files_that_are_not_ijson(run, supplier: Path, tmp_path: Path, name: str, content: str,
                                                 message: str) -> None:
    (tmp_path / name).write_text(content)
    size = json.loads(run("status", "--json")[1])["log_size"]
    code, out, err = run("submit", str(tmp_path / name), "--key", str(supplier))
    assert code == 2 and message in err and "Traceback" not in out + err
    assert json.loads(run("status", "--json")[1])["log_size"] == size


def test_log_proofs_and_range_errors(run, supplier: Path) -> None:
    code, out, _ = run("log", "--consistency", "1", "4", "--json")
    assert code == 0 and json.loads(out)["verified"] is True
    code, _, err = run("log", "--inclusion", "99")
    assert code == 2 and "no record at position 99" in err
    code, _, err = run("log", "--consistency", "3", "50")
    assert code == 2 and "outside the log" in err


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_log_refuses_a_consistency_proof_from_the_empty_tree(run, supplier: Path, as_json: bool) -> None:
    """RFC 9162 §2.1.4.2: no proof from size 0 verifies, so none is made; a user error, not a traceback."""
    code, out, err = run("log", "--consistency", "0", "4", *(["--json"] if as_json else []))
    assert code == 2
    message = json.loads(out)["message"] if as_json else err
    assert "no consistency proof from the empty tree (size1 0, size2 4)" in message
    assert "Traceback" not in out + err


def test_revoked_key_can_no_longer_submit(run, supplier: Path, tmp_path: Path) -> None:
    key_id = json.loads(run("status", "--json")[1])["participants"][1]["keys"][0]["key_id"]
    assert run("revoke", key_id, "--reason", "rotated")[0] == 0
    (tmp_path / "s.json").write_text(json.dumps(shipment("SH-9", shipper="tea-co")))
    code, _, err = run("submit", str(tmp_path / "s.json"), "--key", str(supplier))
    assert code == 2 and "has been revoked" in err


@pytest.fixture
def demo_home(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A home for the demo; its detached anvil node is stopped afterwards."""
    yield tmp_path
    exe = Path(sys.executable).with_name("carbonledger")
    subprocess.run([str(exe), "--home", str(tmp_path), "chain", "stop"], capture_output=True, text=True)


def test_demo_loads_once_and_the_entry_point_is_installed(demo_home: Path) -> None:
    tmp_path = demo_home
    exe = Path(sys.executable).with_name("carbonledger")
    first = subprocess.run([str(exe), "--home", str(tmp_path), "demo"], capture_output=True, text=True, check=True)
    second = subprocess.run([str(exe), "--home", str(tmp_path), "demo"], capture_output=True, text=True, check=True)
    assert "0 already present" in first.stdout and "0 new record(s)" in second.stdout
    assert "(deployed now)" in first.stdout and "VERIFIED against the chain" in first.stdout
    assert "(deployed now)" not in second.stdout and "VERIFIED against the chain" in second.stdout
    bundle = next(tmp_path.glob("proof-record-*.json"))
    verified = subprocess.run([str(exe), "--home", str(tmp_path), "verify", str(bundle), "--json"],
                              capture_output=True, text=True)
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True
    audit = subprocess.run([str(exe), "--home", str(tmp_path), "audit-log"], capture_output=True, text=True)
    assert audit.returncode == 0 and "all hold" in audit.stdout
    status = json.loads(subprocess.run([str(exe), "--home", str(tmp_path), "status", "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    assert status["records_by_kind"]["correction"] == 1 and len(status["participants"]) == 9
    help_text = subprocess.run([str(exe), "submit", "--help"], capture_output=True, text=True, check=True).stdout
    assert "all or none" in help_text.replace("\n", " ") or "none of it is" in help_text
