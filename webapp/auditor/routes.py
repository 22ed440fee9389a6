"""Auditors: verification over a scope, run as a background job, with signed reports.

The scope form starts a job (``webapp.auditor.jobs``), the job page polls it, and the
finished report is shown as HTML, canonical JSON and PDF, each time re-proven against the
``audit_report`` record that fixed it in the log (``webapp.auditor.reports``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request, url_for
from jinja2 import UndefinedError

from ledger.audit_scope import DEFAULT_MAX_ANCHOR_DELAY_S, AuditScope
from ledger.provenance import order_view
from ledger.service import Ledger
from webapp import services
from webapp.auditor.jobs import jobs
from webapp.auditor.pdf import render_pdf
from webapp.auditor.reports import ReportProof, SavedReport, list_reports, load_report, prove_report, report_altered
from webapp.auth import role_required
from webapp.chain_access import checkpoint_reader
from webapp.errors import AuditScopeError

bp = Blueprint("auditor", __name__, url_prefix="/auditor", template_folder="templates")

MAX_ORDERS = 200
"""Orders one scope may name: enough for a quarter's sample, small enough to type-check."""

MAX_ANCHOR_DELAY_S = 365 * 24 * 3600.0
"""A year: any longer limit would never report a late anchor."""

ORDER_SEPARATORS = re.compile(r"[\s,;]+")
"""What may separate order ids in the form's one text field (so no order id holds one)."""


def parse_scope(form: Mapping[str, str], ledger: Ledger) -> AuditScope:
    """Turn the scope form into an :class:`AuditScope`; raises :class:`AuditScopeError`.

    Dates are UTC days and the period includes its last day. Participants and orders must
    exist, so a typo is an error here rather than an empty report later. The API hands its
    JSON scope over as the same text fields (``webapp.auditor.api``): one set of rules.
    """
    participant = form.get("participant_id", "").strip() or None
    if participant and participant not in {p["participant_id"] for p in ledger.participants()}:
        raise AuditScopeError(f"no participant {participant} in the ledger", field="participant_id")
    start, end = _day(form, "start"), _day(form, "end")
    if start and end and end < start:
        raise AuditScopeError(f"the period ends ({end}) before it starts ({start})", field="end")
    orders = tuple(dict.fromkeys(o for o in ORDER_SEPARATORS.split(form.get("order_ids", "")) if o))
    if len(orders) > MAX_ORDERS:
        raise AuditScopeError(f"name at most {MAX_ORDERS} orders, got {len(orders)}", field="order_ids")
    for order in orders:
        if order_view(ledger, order) is None:
            raise AuditScopeError(f"no shipment of order {order} in the ledger", field="order_ids")
    raw_delay = form.get("max_anchor_delay_s", "").strip()
    try:
        delay = float(raw_delay) if raw_delay else DEFAULT_MAX_ANCHOR_DELAY_S
    except ValueError:
        raise AuditScopeError(f"max anchor delay must be a number of seconds, got {raw_delay!r}",
                              field="max_anchor_delay_s") from None
    if not (math.isfinite(delay) and 0 < delay <= MAX_ANCHOR_DELAY_S):
        raise AuditScopeError(f"max anchor delay must be between 0 and {MAX_ANCHOR_DELAY_S:.0f} s, got {raw_delay}",
                              field="max_anchor_delay_s")
    return AuditScope(
        participant_id=participant,
        start=datetime.combine(start, time(), timezone.utc) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(), timezone.utc) if end else None,
        order_ids=orders, max_anchor_delay_s=delay,
    )


def _day(form: Mapping[str, str], name: str) -> date | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise AuditScopeError(f"{raw!r} is not a date (YYYY-MM-DD)", field=name) from None


def _index(error: AuditScopeError | None = None) -> Any:
    ledger = services.ledger()
    page = render_template("auditor/index.html", participants=ledger.participants(), form=request.form,
                           checkpoints=ledger.checkpoints(), log_size=ledger.log_info().size,
                           reports=list_reports(ledger), error=error, default_delay=DEFAULT_MAX_ANCHOR_DELAY_S)
    return (page, 422) if error else page


@bp.route("/", methods=["GET", "POST"])
@role_required("auditor", "admin")
def index() -> Any:
    if request.method == "GET":
        return _index()
    ledger = services.ledger()
    try:
        scope = parse_scope(request.form, ledger)
    except AuditScopeError as exc:
        return _index(exc)
    job = jobs().start(ledger, checkpoint_reader(), scope, g.user.username)
    return redirect(url_for("auditor.job", job_id=job.job_id), 303)


@bp.route("/jobs/<job_id>")
@role_required("auditor", "admin")
def job(job_id: str) -> Any:
    return render_template("auditor/job.html", job=jobs().require(job_id))


@bp.route("/jobs/<job_id>.json")
@role_required("auditor", "admin")
def job_status(job_id: str) -> Any:
    state = jobs().require(job_id).to_dict()
    if state["report_id"]:
        state["report_url"] = state["result_url"] = url_for("auditor.report", report_id=state["report_id"])
    return jsonify(state)


def proven_report(report_id: str) -> tuple[SavedReport, ReportProof]:
    """A kept report and, freshly computed, whether it is the one its ledger record fixed."""
    ledger = services.ledger()
    saved = load_report(ledger, report_id)
    return saved, prove_report(ledger, saved, checkpoint_reader())


@bp.route("/reports/<report_id>")
@role_required("auditor", "admin")
def report(report_id: str) -> Any:
    saved, proof = proven_report(report_id)
    try:
        return render_template("auditor/report.html", saved=saved, report=saved.report, proof=proof)
    except (ValueError, KeyError, TypeError, AttributeError, UndefinedError):
        raise report_altered(saved, proof) from None


@bp.route("/reports/<report_id>.json")
@role_required("auditor", "admin")
def report_json(report_id: str) -> Any:
    """The exact canonical bytes the ledger record hashes: not re-serialised."""
    saved = load_report(services.ledger(), report_id)
    return Response(saved.report_bytes, mimetype="application/json",
                    headers={"Content-Disposition": f'inline; filename="{saved.report_id}.json"'})


@bp.route("/reports/<report_id>.pdf")
@role_required("auditor", "admin")
def report_pdf(report_id: str) -> Response:
    return pdf_download(report_id)


def pdf_download(report_id: str) -> Response:
    """The report as a PDF attachment (this page and the API serve the same one)."""
    saved, proof = proven_report(report_id)
    try:
        data = render_pdf(saved, proof)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise report_altered(saved, proof) from None
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{saved.report_id}.pdf"'})
