"""Every signed-in user's API tokens: create (shown once), list, revoke.

Suppliers use tokens for the record and EPCIS APIs, auditors for the audit API, admins for
the admin API and PACT clients for the token exchange, so the page belongs to no one role.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from webapp import services
from webapp.auth import role_required

bp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")


@bp.route("/tokens", methods=["GET", "POST"])
@role_required("supplier", "auditor", "admin")
def tokens() -> Any:
    new_token = None
    if request.method == "POST":
        new_token = services.accounts().issue_token(g.user.username, request.form.get("label", "").strip() or "token")
    return render_template("account/tokens.html", tokens=services.accounts().tokens(g.user.username),
                           new_token=new_token)


@bp.post("/tokens/<token_id>/revoke")
@role_required("supplier", "auditor", "admin")
def revoke(token_id: str) -> Any:
    revoked = services.accounts().revoke_token(g.user.username, token_id)
    flash(f"Token {revoked.label!r} ({revoked.token_id}) revoked: it no longer works.")
    return redirect(url_for("account.tokens"))
