"""``carbonledger model train|evaluate``: the LightGBM leg estimator from the shell.

``train`` learns from legs with primary fuel data, read from JSON lines of records
(:mod:`ledger.leg_files`) or simulated (:mod:`carbon_models.estimator.simulator`); it
holds out the last ``--holdout`` share of legs by departure, writes them to
``heldout.jsonl`` beside the artefact (not part of the hashed artefact) and trains on the
rest. ``evaluate`` verifies a model directory and writes ``evaluation.json`` plus PNG
plots. Bad input exits 2, never a traceback: carbon_models' errors become ledger errors
through :func:`~ledger.footprint_inputs.as_ledger_errors`.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ledger import installation
from ledger.cli import EXIT_BAD_INPUT, main
from ledger.cli.invocation import current_config, echo_json, fail, user_errors
from ledger.footprint_inputs import as_ledger_errors
from ledger.footprint_records import record_footprint
from ledger.leg_files import read_legs_jsonl, write_legs_jsonl
from ledger.model_records import load_registered, register_model, training_legs

HELDOUT_FILE = "heldout.jsonl"


@main.group()
def model() -> None:
    """Train and evaluate the leg emissions estimator (issue #5)."""


@model.command("train")
@click.option("--from-jsonl", "jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Transport-leg records with primary fuel, one JSON object a line.")
@click.option("--simulate", type=click.IntRange(min=200), help="Simulate this many legs instead.")
@click.option("--from-store", is_flag=True, help="Learn from the ledger's own legs with primary fuel data.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Model directory.")
@click.option("--seed", type=int, default=20250101, show_default=True, help="Simulator and LightGBM seed.")
@click.option("--holdout", type=click.FloatRange(0.0, 0.5), default=0.2, show_default=True,
              help="Last share of legs by departure kept out of training, for evaluate.")
@click.option("--json", "as_json", is_flag=True, help="Print the model card record as JSON.")
@user_errors
@as_ledger_errors()
def train_cmd(jsonl: Path | None, simulate: int | None, from_store: bool, out: Path, seed: int, holdout: float,
              as_json: bool) -> None:
    """Train P10/P50/P90 models and save them with their metadata and hash."""
    from carbon_models.estimator import TrainConfig, build_training_set, model_card_record, save_model, train_estimator
    from carbon_models.estimator.evaluate import heldout_split
    from carbon_models.estimator.simulator import simulate_fleet

    if [jsonl is not None, simulate is not None, from_store].count(True) != 1:
        fail("give exactly one of --from-jsonl, --simulate and --from-store", EXIT_BAD_INPUT, as_json=as_json)
    if from_store:
        found = training_legs(installation.open_ledger(current_config()))
        legs, dists = found.legs, found.distances
        click.echo(f"{len(legs)} legs with primary fuel data in the ledger ({found.skipped_without_fuel} without fuel, "
                   f"{found.skipped_unresolved} without a resolvable distance)", err=True)
    elif simulate is not None:
        legs, dists = simulate_fleet(simulate, np.random.default_rng(seed))
    else:
        pairs = list(read_legs_jsonl(jsonl))  # type: ignore[arg-type]
        legs, dists = [p[0] for p in pairs], [p[1] for p in pairs]
    try:
        data = build_training_set(legs, dists)
        train, heldout = heldout_split(data, holdout) if holdout > 0 else (data, None)
        estimator = train_estimator(train, TrainConfig(seed=seed))
    except ValueError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json=as_json)
    model_hash = save_model(estimator, out)
    if heldout is not None:
        write_legs_jsonl(out / HELDOUT_FILE, heldout.legs, heldout.distances)
    record = model_card_record(estimator)
    if as_json:
        echo_json(record)
        return
    m = record["metrics"]
    click.echo(f"model {model_hash}")
    click.echo(f"  trained on {record['training_window'][0]} .. {record['training_window'][1]} "
               f"({estimator.metadata['training_data']['train_rows']} legs, "
               f"{estimator.metadata['training_data']['valid_rows']} validation)")
    click.echo(f"  validation P50 MAPE {m['valid_mape_p50']:.1%}, P10-P90 coverage {m['valid_p10_p90_coverage_adjusted']:.1%}")
    if heldout is not None:
        click.echo(f"  {len(heldout)} held-out legs in {out / HELDOUT_FILE}")


@model.command("evaluate")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--legs", "legs_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=f"Held-out legs (default: MODEL_DIR/{HELDOUT_FILE}).")
@click.option("--expected-hash", help="Refuse a model whose content hash differs.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors
@as_ledger_errors()
def evaluate_cmd(model_dir: Path, out: Path, legs_path: Path | None, expected_hash: str | None, as_json: bool) -> None:
    """Compare the model with default intensities on held-out legs; JSON and PNGs into --out."""
    from carbon_models.estimator import build_training_set, load_model
    from carbon_models.estimator.evaluate import write_report

    estimator = load_model(model_dir, expected_hash=expected_hash)
    path = legs_path or model_dir / HELDOUT_FILE
    if not path.is_file():
        fail(f"no held-out legs: {path} does not exist (give --legs)", EXIT_BAD_INPUT, as_json=as_json)
    pairs = list(read_legs_jsonl(path))
    data = build_training_set([p[0] for p in pairs], [p[1] for p in pairs])
    if not len(data):
        fail(f"{path} has no legs with usable primary fuel data", EXIT_BAD_INPUT, as_json=as_json)
    report = write_report(estimator, data, out)
    if as_json:
        echo_json(report)
        return
    o = report["overall"]
    click.echo(f"model {estimator.model_hash} on {report['heldout_legs']} held-out legs")
    click.echo(f"  P50 MAPE {o['model_p50']['mape']:.1%} (default intensity {o['default_intensity']['mape']:.1%}, "
               f"reduction {o.get('mape_reduction_vs_default', float('nan')):.0%}); "
               f"bias {o['model_p50']['bias']:+.1%}; P10-P90 coverage {o['model_p50']['p10_p90_coverage']:.1%}")
    click.echo(f"  report and plots in {out}")


@model.command("register")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@user_errors
@as_ledger_errors()
def register_cmd(model_dir: Path) -> None:
    """Verify a trained model and record its hash and card in the ledger (operator-signed)."""
    config = current_config()
    model_hash, receipt = register_model(installation.open_ledger(config, need_operator_key=True), config.home,
                                         model_dir)
    click.echo(f"model {model_hash} {'already registered' if receipt.duplicate else 'registered'} at seq {receipt.seq}")


@model.command("footprint")
@click.argument("order_ids", nargs=-1, required=True)
@click.option("--model", "model_hash", required=True, help="Hash of a registered model.")
@user_errors
@as_ledger_errors()
def footprint_cmd(order_ids: tuple[str, ...], model_hash: str) -> None:
    """Record the footprints of ORDER_IDS using the registered model for legs without fuel data."""
    config = current_config()
    ledger = installation.open_ledger(config, need_operator_key=True)
    estimator = load_registered(ledger, config.home, model_hash)
    for order_id in order_ids:
        receipt = record_footprint(ledger, order_id, estimator=estimator)
        click.echo(f"{order_id}: footprint recorded at seq {receipt.seq}")
