"""The auditor flow and consumer search as JSON under /api/v1, beside ``webapp.api.routes``.

Everything here is what the auditor pages (``webapp.auditor.routes``) and public pages
(``webapp.public.routes``) already do, reached by machines: a JSON scope is read by the scope
form's own rules (:func:`webapp.auditor.routes.parse_scope`), the job is the same background job,
the report the same kept copy, proven against its ledger record on every read, and the
PDF the same rendering. Errors are JSON ``{"error", "message", "field"?}`` with a 4xx.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for

from ledger.bundles import current_proof
from ledger.provenance import find_order
from ledger.records.public_ids import order_public_id
from webapp import services
from webapp.api.input import int_arg, json_body
from webapp.auditor.jobs import AuditJob, jobs
from webapp.auditor.reports import ReportProof, SavedReport, list_reports, report_altered
from webapp.auditor.routes import ORDER_SEPARATORS, parse_scope, pdf_download, proven_report
from webapp.auth import role_required
from webapp.chain_access import checkpoint_reader
from webapp.errors import ApiInputError, AuditScopeError

bp = Blueprint("api_audits", __name__, url_prefix="/api/v1")

AUDITORS = ("auditor", "admin")
"""Who may start audits and read reports: the roles the auditor pages admit."""

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
"""Reports per page of the list: a page of summaries, not of whole reports, stays small."""

MAX_OFFSET = 1_000_000
"""Further than any installation's report count; bounds the number a client can send."""

SCOPE_TEXT_FIELDS = ("participant_id", "start", "end")
"""Scope members sent as JSON strings (or null), read as the form's text fields."""

SCOPE_FIELDS = (*SCOPE_TEXT_FIELDS, "order_ids", "max_anchor_delay_s")


def scope_form(body: Any) -> dict[str, str]:
    """A JSON scope as the scope form's text fields, for :func:`~webapp.auditor.routes.parse_scope`.

    Only the JSON types are checked here (strings, an array of order ids, a number of
    seconds); what the values mean is checked by ``parse_scope``, as for the form. Raises
    :class:`~webapp.auditor.routes.AuditScopeError` naming the member.
    """
    if not isinstance(body, dict):
        raise AuditScopeError(f"the scope must be a JSON object, got {type(body).__name__}")
    for name in body:
        if name not in SCOPE_FIELDS:
            raise AuditScopeError(f"unknown scope member {name!r}; a scope has {', '.join(SCOPE_FIELDS)}", field=name)
    form: dict[str, str] = {}
    for name in SCOPE_TEXT_FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise AuditScopeError(f"{name} must be a string or null, got {json.dumps(value)}", field=name)
        form[name] = value or ""
    orders = body.get("order_ids") or []
    if not isinstance(orders, list) or not all(isinstance(o, str) and o for o in orders):
        raise AuditScopeError(f"order_ids must be an array of order ids, got {json.dumps(orders)}", field="order_ids")
    for order in orders:
        if ORDER_SEPARATORS.search(order):
            raise AuditScopeError(f"{order!r} is not an order id (it holds a space, comma or semicolon)",
                                  field="order_ids")
    form["order_ids"] = ",".join(orders)
    delay = body.get("max_anchor_delay_s")
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float))):
        raise AuditScopeError(f"max_anchor_delay_s must be a number of seconds, got {json.dumps(delay)}",
                              field="max_anchor_delay_s")
    form["max_anchor_delay_s"] = "" if delay is None else str(delay)
    return form


def _job_state(job: AuditJob) -> dict[str, Any]:
    state = job.to_dict()
    if state["report_id"]:
        state["report_url"] = url_for("api_audits.report", report_id=state["report_id"])
    return state


@bp.post("/audits")
@role_required(*AUDITORS)
def start_audit() -> Any:
    """Start an audit of the JSON scope: 202 with the running job, polled at ``Location``."""
    ledger = services.ledger()
    scope = parse_scope(scope_form(json_body()), ledger)
    job = jobs().start(ledger, checkpoint_reader(), scope, g.user.username)
    return jsonify(_job_state(job)), 202, {"Location": url_for("api_audits.job", job_id=job.job_id)}


@bp.get("/audits/jobs/<job_id>")
@role_required(*AUDITORS)
def job(job_id: str) -> Any:
    return jsonify(_job_state(jobs().require(job_id)))


def _summary(saved: SavedReport) -> dict[str, Any]:
    return {"report_id": saved.report_id, "created_at": saved.created_at.isoformat(),
            "created_by": saved.created_by, "sha256": saved.sha256, "record_seq": saved.record_seq,
            "url": url_for("api_audits.report", report_id=saved.report_id),
            "pdf_url": url_for("api_audits.report_pdf", report_id=saved.report_id)}


@bp.get("/audits/reports")
@role_required(*AUDITORS)
def reports() -> Any:
    """Kept reports, newest first, ``limit`` per page from ``offset``; ``next`` is the following page."""
    limit = int_arg("limit", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    offset = int_arg("offset", 0, 0, MAX_OFFSET)
    page = list_reports(services.ledger(), limit + 1, offset)
    more = len(page) > limit and offset + limit <= MAX_OFFSET
    return jsonify({"reports": [_summary(s) for s in page[:limit]], "limit": limit, "offset": offset,
                    "next": url_for("api_audits.reports", limit=limit, offset=offset + limit) if more else None})


def _proof(saved: SavedReport, proof: ReportProof) -> dict[str, Any]:
    """The report's proof, with the ``audit_report`` record and how it is anchored, to check offline."""
    body = proof.to_dict()
    if proof.verdict is None:  # the record itself could not be read: the checks say why
        return {**body, "record": None, "leaf_hash": None, "anchoring": None}
    stored = services.ledger().record(saved.record_seq)
    return {**body, "record": stored.record, "leaf_hash": stored.leaf_hash.hex(),
            "anchoring": current_proof(services.ledger(), saved.record_seq)}


@bp.get("/audits/reports/<report_id>")
@role_required(*AUDITORS)
def report(report_id: str) -> Any:
    """The report as kept, beside a proof recomputed now; 409 when the copy is no longer JSON."""
    saved, proof = proven_report(report_id)
    try:
        content = saved.report
    except ValueError:
        raise report_altered(saved, proof) from None
    return jsonify({**_summary(saved), "report": content, "proof": _proof(saved, proof)})


@bp.get("/audits/reports/<report_id>.pdf")
@role_required(*AUDITORS)
def report_pdf(report_id: str) -> Response:
    return pdf_download(report_id)


@bp.get("/search")
def search() -> Any:
    """The orders a consumer's search finds (order id, public id, shipment id, GTIN, tracking link)."""
    query = request.args.get("q", "").strip()
    if not query:
        raise ApiInputError("give q: an order number, shipment number, GTIN or tracking link", field="q")
    orders = []
    for order_id in find_order(services.ledger(), query):
        public_id = order_public_id(order_id)
        orders.append({"order_id": order_id, "public_id": public_id,
                       "url": url_for("public.order", public_id=public_id),
                       "api_url": url_for("api.order", order_ref=public_id)})
    return jsonify({"query": query, "orders": orders})


@bp.get("/records/<int:seq>/proof")
def record_proof(seq: int) -> Any:
    """The record's proof bundle, as ``/records/<seq>/proof.json`` downloads it."""
    return jsonify(current_proof(services.ledger(), seq))
