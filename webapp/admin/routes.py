"""Operators: participants, users, keys, and the health of anchoring and the chain.

A refused form re-renders the page with the form's values and the reason next to it,
under the error's 4xx status, so nothing typed is lost; the same actions are JSON under
/api/v1/admin (:mod:`webapp.admin.api`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ledger.errors import LedgerError, SchemaError
from ledger.records.schemas import PARTICIPANT_ROLES
from webapp import services
from webapp.accounts import ROLES
from webapp.admin import onboarding
from webapp.admin.api import parse_moment
from webapp.admin.chain_health import chain_health
from webapp.auth import role_required
from webapp.errors import status_for

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

KEY_SOURCES = ("custodial", "own")
"""How a new participant gets its first key: the portal creates and holds one, or the admin
pastes the public half of a key the participant keeps."""


def _page(status: int = 200, refused: str | None = None, error: str = "") -> Any:
    """The admin page; ``refused`` names the form whose request was refused, for ``error``."""
    ledger = services.ledger()
    values = {form: request.form if form == refused else MultiDict() for form in ("participant", "user")}
    return render_template("admin/index.html", participants=ledger.participants(), users=services.accounts().users(),
                           health=chain_health(), counts=ledger.counts_by_kind(), participant_roles=PARTICIPANT_ROLES,
                           user_roles=ROLES, errors={refused: error} if refused else {}, values=values), status


def _act(form: str, action: Callable[[], str]) -> Any:
    """Run a form's ``action`` and flash what it did; if it is refused, show the page again
    with the reason next to ``form`` and the values sent, under the error's status."""
    try:
        done = action()
    except LedgerError as exc:
        return _page(status_for(exc), form, str(exc))
    flash(done)
    return redirect(url_for("admin.index"))


@bp.route("/")
@role_required("admin")
def index() -> Any:
    return _page()


@bp.route("/participants", methods=["POST"])
@role_required("admin")
def create_participant() -> Any:
    def register() -> str:
        form = request.form
        source = form.get("key_source", "custodial")
        if source not in KEY_SOURCES:
            raise SchemaError(f"key_source must be one of {', '.join(KEY_SOURCES)}", field="key_source")
        created = onboarding.register_participant(
            services.ledger(), services.custodial_keys(), form.get("participant_id", "").strip(), form.get("name", "").strip(),
            form.getlist("roles"), form.get("country", "").strip() or None,
            form.get("public_key", "").strip() if source == "own" else None)
        held = "a custodial key the portal holds" if created.custodial else "its own key"
        return (f"Participant {created.participant_id} registered with {held}, {created.key_id} "
                f"(records {', '.join(str(r.seq) for r in created.receipts)}).")

    return _act("participant", register)


@bp.route("/users", methods=["POST"])
@role_required("admin")
def create_user() -> Any:
    def create() -> str:
        form = request.form
        user = services.accounts().add_user(form.get("username", "").strip(), form.get("password", ""),
                                           form.get("role", ""), form.get("participant_id") or None,
                                           ledger=services.ledger())
        return f"User {user.username} ({user.role}{', ' + user.participant_id if user.participant_id else ''}) created."

    return _act("user", create)


@bp.route("/users/<username>/role", methods=["POST"])
@role_required("admin")
def change_role(username: str) -> Any:
    def change() -> str:
        user = services.accounts().set_role(username, request.form.get("role", ""),
                                           request.form.get("participant_id") or None, services.ledger())
        return f"User {user.username} is now {user.role}{' for ' + user.participant_id if user.participant_id else ''}."

    return _act("users", change)


@bp.route("/users/<username>/disabled", methods=["POST"])
@role_required("admin")
def set_disabled(username: str) -> Any:
    """Disable (``disabled=1``) or enable (``disabled=0``) an account."""
    def switch() -> str:
        if request.form.get("disabled") not in ("0", "1"):
            raise SchemaError("disabled must be 1 (disable) or 0 (enable)", field="disabled")
        user = services.accounts().set_disabled(username, request.form["disabled"] == "1")
        return f"User {user.username} {'disabled: it can no longer log in or use its API tokens' if user.disabled else 'enabled'}."

    return _act("users", switch)


@bp.route("/keys/revoke", methods=["POST"])
@role_required("admin")
def revoke_key() -> Any:
    key_id = request.form.get("key_id", "")
    since = parse_moment(request.form.get("compromised_since"))
    receipt = services.ledger().revoke_key(key_id, request.form.get("reason") or None, since)
    flash(f"Key {key_id} revoked (record {receipt.seq})" + (f", reported compromised since {since.isoformat()}."
                                                             if since else "."))
    return redirect(url_for("admin.index"))


@bp.route("/keys/register", methods=["POST"])
@role_required("admin")
def register_key() -> Any:
    """Register a participant's new public key: with a revoke of the old one, a key rotation."""
    participant = request.form.get("participant_id", "")
    public_key = request.form.get("public_key", "").strip()
    receipt = services.ledger().register_key(participant, public_key)
    flash(f"New key for {participant} registered (record {receipt.seq}); revoke the old one to finish a rotation.")
    return redirect(url_for("admin.index"))


@bp.route("/keys/add-custodial", methods=["POST"])
@role_required("admin")
def add_custodial_key() -> Any:
    """Let the portal sign for a participant that has its own key: explicit, with the reason in the log."""
    participant = request.form.get("participant_id", "")
    key = services.custodial_keys().add(participant, request.form.get("reason", ""))
    flash(f"The portal now holds key {key.key_id} for {participant}; its registration record says why.")
    return redirect(url_for("admin.index"))


@bp.route("/keys/rotate-custodial", methods=["POST"])
@role_required("admin")
def rotate_custodial_key() -> Any:
    """Give a participant a new portal signing key; the old one is revoked in the same batch."""
    participant = request.form.get("participant_id", "")
    rotation = services.custodial_keys().rotate(participant, request.form.get("reason") or None)
    revoked = (f"old key {rotation.old_key_id} revoked (record {rotation.revoked_seq})" if rotation.revoked_seq is not None
               else f"old key {rotation.old_key_id} was already out of use")
    flash(f"Custodial key of {participant} rotated: new key {rotation.new_key_id} (record {rotation.registered_seq}), "
          f"{revoked}. Portal submissions are signed with the new key from now on.")
    return redirect(url_for("admin.index"))
