"""``carbonledger footprint`` and ``carbonledger factors``: the footprint engine from the shell.

Pure computation over a JSON file; no database is opened. The file's records are validated
as ledger records and computed through :mod:`ledger.footprint_inputs`. Bad input exits 2
with a message naming the record and field, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from carbon_models.errors import FootprintError
from carbon_models.factors import available_factor_sets, load_factor_set
from ledger.cli import EXIT_BAD_INPUT, main
from ledger.cli.invocation import echo_json, fail
from ledger.errors import FootprintInputError, SchemaError
from ledger.footprint_inputs import OrderRecords, as_ledger_errors
from ledger.records.ijson import loads_ijson

F = TypeVar("F", bound=Callable[..., Any])

ORDER_KEYS = ("shipments", "legs", "hubs")


def footprint_errors(func: F) -> F:
    """Turn carbon_models' errors into exit 2 with the record and field, plain or as JSON."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with as_ledger_errors():
                return func(*args, **kwargs)
        except FootprintInputError as exc:
            fail(str(exc), EXIT_BAD_INPUT, as_json=bool(kwargs.get("as_json")), details=exc.to_dict())

    return wrapper  # type: ignore[return-value]


def _read_order(path: Path) -> dict[str, list[Any]]:
    try:
        data = loads_ijson(path.read_bytes(), record=str(path))  # strict I-JSON; SchemaError names the field
    except OSError as exc:
        raise FootprintError(f"cannot read {path}: {exc}") from None
    except SchemaError as exc:
        raise FootprintError(f"{path} {exc.message}", field=exc.field) from None
    if not isinstance(data, dict):
        raise FootprintError(f"{path} must hold an object with {', '.join(ORDER_KEYS)}")
    unknown = sorted(set(data) - set(ORDER_KEYS))
    if unknown:
        raise FootprintError(f"unknown key {unknown[0]!r}; expected {', '.join(ORDER_KEYS)}", field=unknown[0])
    for key in ORDER_KEYS:
        if not isinstance(data.get(key, []), list):
            raise FootprintError(f"{key} must be a list of records", field=key)
    return {key: data.get(key, []) for key in ORDER_KEYS}


def _fmt(kg: float) -> str:
    return f"{kg:,.3f}"


@main.command("footprint")
@click.argument("order_file", metavar="ORDER.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--factor-set", "factor_set", default=None, metavar="ID", help="Factor set id (default: desnz-2025).")
@click.option("--order", "order_id", default=None, help="Order id, when the file holds shipments of several orders.")
@click.option("--scenarios", is_flag=True, help="Also recompute under reduction scenarios.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@footprint_errors
def footprint_command(order_file: Path, factor_set: str | None, order_id: str | None, scenarios: bool,
                      as_json: bool) -> None:
    """ISO 14083 footprint of the order in ORDER.json ({"shipments": [...], "legs": [...], "hubs": [...]})."""
    order = _read_order(order_file)
    fs = load_factor_set(factor_set)
    records = OrderRecords.of(order["shipments"], order["legs"], order["hubs"])
    fp = records.footprint(fs, order_id=order_id)
    alternatives = records.scenarios(fs, order_id=fp.order_id) if scenarios else None
    if as_json:
        out: dict[str, Any] = {"footprint": fp.to_record_result()}
        if alternatives is not None:
            out["scenarios"] = [s.model_dump(mode="json") for s in alternatives]
        echo_json(out)
        return
    click.echo(f"Order {fp.order_id}: {fp.mass_kg:g} kg in {len(fp.shipment_ids)} shipment(s); "
               f"factor set {fp.factor_set_id} {fp.factor_set_version}; {fp.method_version}")
    click.echo(f"{'element':<16} {'method':<9} {'km':>10} {'basis':<6} {'WTW kg CO2e':>14} {'TTW kg CO2e':>14}")
    for leg in fp.legs:
        click.echo(f"{leg.leg_id:<16} {leg.method:<9} {leg.distance_km:>10,.0f} {leg.distance_basis:<6} "
                   f"{_fmt(leg.allocated.wtw_kg):>14} {_fmt(leg.allocated.ttw_kg):>14}")
    for hub in fp.hubs:
        click.echo(f"{hub.hub_id:<16} {'hub':<9} {'':>10} {'':<6} {_fmt(hub.allocated.wtw_kg):>14} "
                   f"{_fmt(hub.allocated.ttw_kg):>14}")
    click.echo(f"{'total':<16} {'':<9} {'':>10} {'':<6} {_fmt(fp.transport.wtw_kg):>14} {_fmt(fp.transport.ttw_kg):>14}")
    click.echo(f"P10-P90 WTW {_fmt(fp.uncertainty.p10_wtw_kg)} - {_fmt(fp.uncertainty.p90_wtw_kg)} kg; "
               f"primary data {fp.primary_data_share:.0%}")
    if fp.cradle_to_gate_kg is not None:
        click.echo(f"Products, cradle-to-gate (declared, not included above): {_fmt(fp.cradle_to_gate_kg)} kg CO2e")
    if alternatives is not None:
        click.echo("Scenarios:")
        for s in alternatives:
            if s.status == "available":
                click.echo(f"  {s.name:<24} saves {_fmt(s.saving_kg or 0)} kg ({s.saving_pct:.1f} %), "
                           f"+{s.added_transit_hours:g} h; legs {', '.join(s.legs_changed)}")
            else:
                click.echo(f"  {s.name:<24} unavailable: {s.reason}")


@main.group("factors")
def factors_group() -> None:
    """The emission factor sets shipped with CarbonLedger."""


@factors_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@footprint_errors
def factors_list(as_json: bool) -> None:
    """List factor sets with their versions."""
    sets = [load_factor_set(i).summary() for i in available_factor_sets()]
    if as_json:
        echo_json(sets)
        return
    for s in sets:
        click.echo(f"{s['id']:<14} {s['version']:<8} {s['vehicle_classes']:>4} classes {s['factors']:>4} factors  {s['title']}")


@factors_group.command("show")
@click.argument("set_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True)
@footprint_errors
def factors_show(set_id: str, as_json: bool) -> None:
    """Show a factor set: its vehicle classes (TTW, WTT per t.km) and notes."""
    fs = load_factor_set(set_id)
    classes = [{"id": vc.id, "mode": vc.mode, "ttw": vc.ttw.value, "wtt": vc.wtt.value, "unit": vc.ttw.unit,
                "ttw_factor": vc.ttw.id, "wtt_factor": vc.wtt.id, "label": vc.label}
               for vc in sorted(fs.vehicle_classes.values(), key=lambda v: v.id)]
    if as_json:
        echo_json({**fs.summary(), "source_document": fs.source_document, "notes": list(fs.notes),
                   "vehicle_classes": classes})
        return
    click.echo(f"{fs.id} {fs.version}: {fs.title}\n{fs.source_document}")
    click.echo(f"{'vehicle class':<44} {'mode':<5} {'TTW':>9} {'WTT':>9}  kg CO2e/t.km")
    for c in classes:
        click.echo(f"{c['id']:<44} {c['mode']:<5} {c['ttw']:>9.5f} {c['wtt']:>9.5f}")
    for note in fs.notes:
        click.echo(f"- {note}")
