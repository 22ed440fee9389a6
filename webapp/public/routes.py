"""What anyone can see without logging in: search, an order's provenance, its proofs."""

from __future__ import annotations

import io
import json
from typing import Any

import segno
from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for

from ledger.bundles import current_proof
from ledger.order_cache import VerifiedOrder
from ledger.provenance import find_order
from ledger.records.public_ids import order_public_id
from webapp import services

bp = Blueprint("public", __name__, template_folder="templates")


@bp.route("/")
def index() -> Any:
    info = services.ledger().log_info()
    return render_template("public/index.html", log_size=info.size, root=info.root.hex())


@bp.route("/search")
def search() -> Any:
    query = request.args.get("q", "").strip()
    if not query:
        return render_template("public/index.html", error="Type an order number, shipment number, GTIN or tracking link.",
                               log_size=services.ledger().log_info().size), 400
    orders = find_order(services.ledger(), query)
    if len(orders) == 1:
        return redirect(url_for("public.order", public_id=order_public_id(orders[0])))
    return render_template("public/search.html", query=query,
                           orders=[(o, order_public_id(o)) for o in orders]), 200 if orders else 404


def _verified_or_404(public_id: str) -> VerifiedOrder:
    verified = services.order_cache().get(public_id)
    if verified is None:
        abort(404, f"no order with public id {public_id}")
    return verified


@bp.route("/p/<public_id>")
def order(public_id: str) -> Any:
    verified = _verified_or_404(public_id)
    if session:  # a signed-in user or pending messages: the page differs per visitor
        return render_template("public/order.html", order=verified.payload,
                               qr_url=url_for("public.order_qr", public_id=public_id))
    if verified.html is None:
        verified.html = render_template("public/order.html", order=verified.payload,
                                        qr_url=url_for("public.order_qr", public_id=public_id)).encode()
    return Response(verified.html, mimetype="text/html")


@bp.route("/p/<public_id>/qr.svg")
def order_qr(public_id: str) -> Response:
    _verified_or_404(public_id)  # the page just verified it: a re-check, not a second order lookup
    target = url_for("public.order", public_id=public_id, _external=True)
    out = io.BytesIO()
    segno.make(target, error="m").save(out, kind="svg", scale=4, xmldecl=True,
                                       title=f"CarbonLedger provenance of order {public_id}")
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.route("/records/<int:seq>/proof.json")
def record_proof(seq: int) -> Response:
    """The proof bundle of an anchored record (or, until anchored, its log inclusion proof)."""
    body = current_proof(services.ledger(), seq)
    return Response(json.dumps(body, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=record-{seq}-proof.json"})


@bp.route("/verify-yourself")
def how_to_verify() -> Any:
    return render_template("public/verify_yourself.html")
