"""``carbonledger model train|evaluate`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ledger.cli import main


def test_train_then_evaluate(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["model", "train", "--simulate", "2500", "--out", str(tmp_path / "m"), "--json"])
    assert res.exit_code == 0, res.output
    record = json.loads(res.output)
    assert (tmp_path / "m" / "heldout.jsonl").is_file()
    res = runner.invoke(main, ["model", "evaluate", str(tmp_path / "m"), "--out", str(tmp_path / "e"),
                               "--expected-hash", record["model_hash"]])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "e" / "evaluation.json").read_text())
    assert report["model_hash"] == record["model_hash"]
    for png in ("predicted_vs_actual.png", "mape_by_mode.png", "mape_by_distance_band.png", "gain_importance.png"):
        assert (tmp_path / "e" / png).read_bytes()[:4] == b"\x89PNG"

    # Retrain from the held-out legs as JSONL input (too few for a holdout: none).
    res = runner.invoke(main, ["model", "train", "--from-jsonl", str(tmp_path / "m" / "heldout.jsonl"),
                               "--holdout", "0", "--out", str(tmp_path / "m2")])
    assert res.exit_code == 0, res.output
    assert "model " in res.output


def test_tampered_model_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["model", "train", "--simulate", "1500", "--out", str(tmp_path / "m")]).exit_code == 0
    meta = tmp_path / "m" / "metadata.json"
    meta.write_text(meta.read_text().replace('"rows": ', '"rows": 1', 1))
    res = runner.invoke(main, ["model", "evaluate", str(tmp_path / "m"), "--out", str(tmp_path / "e")])
    assert res.exit_code == 2
    assert "was modified" in res.output


def test_train_needs_exactly_one_source(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["model", "train", "--out", str(tmp_path / "m")])
    assert res.exit_code == 2
    assert "exactly one of --from-jsonl, --simulate and --from-store" in res.output


def test_bad_jsonl_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "legs.jsonl"
    bad.write_text('{"kind": "transport_leg"}\n')
    res = CliRunner().invoke(main, ["model", "train", "--from-jsonl", str(bad), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2
    assert "legs.jsonl:1" in res.output


def test_bad_resolved_distance_names_the_field(tmp_path: Path) -> None:
    import numpy as np

    from carbon_models.estimator.simulator import simulate_fleet

    legs, _ = simulate_fleet(1, np.random.default_rng(0))
    data = {"schema_version": 1, "kind": "transport_leg", **json.loads(legs[0].model_dump_json(exclude_none=True))}
    data["resolved_distance"] = {"km": -5, "basis": "GCD"}
    bad = tmp_path / "legs.jsonl"
    bad.write_text(json.dumps(data) + "\n")
    res = CliRunner().invoke(main, ["model", "train", "--from-jsonl", str(bad), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2
    assert "resolved_distance.km" in res.output
