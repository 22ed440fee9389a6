"""Auditors: verification over a scope, with reports (the report engine is ``ledger.audit``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from webapp import context
from webapp.auth import role_required

bp = Blueprint("auditor", __name__, url_prefix="/auditor")


@bp.route("/")
@role_required("auditor", "admin")
def index() -> Any:
    ledger = context.ledger()
    return render_template("auditor/index.html", participants=ledger.participants(),
                           checkpoints=ledger.checkpoints(), log_size=ledger.log_info().size)
