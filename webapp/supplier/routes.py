"""Suppliers and carriers: submit records by form or upload, see their records, tokens.

An upload is CSV, JSON Lines, JSON records or a GS1 EPCIS 2.0 document. The file is checked
in the request; a clean one is signed and stored all-or-nothing in a background upload job
(:mod:`webapp.jobs.uploads`, started by :mod:`webapp.supplier.record_upload` or
:mod:`webapp.epcis.upload`) whose page polls its progress.
"""

from __future__ import annotations

import bisect
from typing import Any

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for

from ledger.epcis import EpcisCaptureLimitError, EpcisError
from ledger.errors import LedgerError, SchemaError
from ledger.record_files import normalise_record
from webapp import services
from webapp.auth import role_required
from webapp.epcis.upload import read_document, start_capture
from webapp.jobs.uploads import UploadJob, UploadKind, jobs
from webapp.supplier.forms import FORMS, record_from_form
from webapp.supplier.record_upload import read_records, start_records

bp = Blueprint("supplier", __name__, url_prefix="/supplier", template_folder="templates")


def _participant() -> str:
    pid = g.user.participant_id
    if not pid:
        abort(403, "this account is not bound to a participant")
    return pid


@bp.route("/")
@role_required("supplier")
def records() -> Any:
    ledger = services.ledger()
    pid = _participant()
    before = request.args.get("before", type=int)
    rows = ledger.records_by_participant(pid, limit=100, before=before)
    checkpoints = ledger.checkpoints()
    sizes = [cp.tree_size for cp in checkpoints]
    covering = {r.seq: checkpoints[i] for r in rows if (i := bisect.bisect_right(sizes, r.seq)) < len(checkpoints)}
    return render_template("supplier/records.html", records=rows, participant=pid, covering=covering,
                           next_before=rows[-1].seq if len(rows) == 100 else None)


@bp.route("/submit/<kind>", methods=["GET", "POST"])
@role_required("supplier")
def submit(kind: str) -> Any:
    if kind not in FORMS:
        abort(404, f"no form for {kind}")
    title, fields = FORMS[kind]
    errors: dict[str, str] = {}
    general = None
    values = dict(request.form) if request.method == "POST" else {}
    if request.method == "POST":
        pid = _participant()
        try:
            record = normalise_record(record_from_form(kind, values, pid), "form")
            receipt = services.custodial_keys().submit_one(pid, record)
        except LedgerError as exc:
            field = (exc.field or "").replace("products[0]", "product").replace("fuel[0]", "fuel")
            if field and any(f.name == field or f.name.startswith(field + ".") for f in fields):
                errors[next(f.name for f in fields if f.name == field or f.name.startswith(field + "."))] = exc.message
            else:
                general = str(exc)
        else:
            flash(f"{title} recorded at position {receipt.seq}" + (" (it was already there)" if receipt.duplicate else ""))
            return redirect(url_for("supplier.records"))
    status = 422 if (errors or general) else 200
    return render_template("supplier/submit.html", kind=kind, title=title, fields=fields, values=values,
                           errors=errors, general=general), status


@bp.route("/upload", methods=["GET", "POST"])
@role_required("supplier")
def upload() -> Any:
    """Check the file in the request (every problem at once, 4xx, nothing stored), then store it in a job."""
    if request.method == "GET":
        return render_template("supplier/upload.html")
    pid = _participant()
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_template("supplier/upload.html",
                               problems=["Choose a CSV, JSONL, JSON or EPCIS (JSON-LD) file."]), 400
    try:
        text = file.read().decode("utf-8")
        document = read_document(file.filename, text)
        if document is not None:
            job = start_capture(document, pid)
        else:
            rows = read_records(file.filename, text)
            if rows.problems:
                return render_template("supplier/upload.html", problems=rows.problems, filename=file.filename,
                                       total=len(rows.positions)), 422
            job = start_records(rows, pid)
    except UnicodeDecodeError:
        return render_template("supplier/upload.html", problems=["The file is not UTF-8 text."]), 422
    except EpcisError as exc:
        status = 413 if isinstance(exc, EpcisCaptureLimitError) else 422
        return render_template("supplier/upload.html", problems=[str(exc)], filename=file.filename), status
    except SchemaError as exc:
        return render_template("supplier/upload.html", problems=[str(exc)]), 422
    return redirect(url_for("supplier.upload_job", kind=job.kind, job_id=job.job_id), 303)


def _upload_job(kind: UploadKind, job_id: str) -> UploadJob:
    """The logged-in supplier's own upload job; another participant's is as absent as a missing one."""
    job = jobs().get(job_id, kind, _participant())
    if job is None:
        abort(404, f"no upload {job_id} (old jobs are forgotten; what an upload stored stays in your records)")
    return job


@bp.route("/upload/<any(epcis, records):kind>/<job_id>")
@role_required("supplier")
def upload_job(kind: UploadKind, job_id: str) -> Any:
    job = _upload_job(kind, job_id)
    return render_template("supplier/upload_job.html", job=job, state=job.progress())


@bp.route("/upload/<any(epcis, records):kind>/<job_id>.json")
@role_required("supplier")
def upload_job_status(kind: UploadKind, job_id: str) -> Any:
    return jsonify(_upload_job(kind, job_id).progress())


@bp.route("/tokens", methods=["GET", "POST"])
def tokens() -> Any:
    """Moved to /account/tokens (every role has tokens); 308 keeps a form's POST a POST."""
    return redirect(url_for("account.tokens"), 308)


