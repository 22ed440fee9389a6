"""Operators: participants, users, keys, and the state of anchoring."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from webapp import context
from webapp.auth import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required("admin")
def index() -> Any:
    ledger = context.ledger()
    info = ledger.log_info()
    latest = ledger.latest_checkpoint()
    return render_template("admin/index.html", participants=ledger.participants(), users=context.accounts().users(),
                           log_size=info.size, root=info.root.hex(), latest=latest,
                           pending=info.size - (latest.tree_size if latest else 0), counts=ledger.counts_by_kind())


@bp.route("/keys/revoke", methods=["POST"])
@role_required("admin")
def revoke_key() -> Any:
    key_id = request.form.get("key_id", "")
    receipt = context.ledger().revoke_key(key_id, request.form.get("reason") or None)
    flash(f"Key {key_id} revoked (record {receipt.seq}).")
    return redirect(url_for("admin.index"))


@bp.route("/keys/register", methods=["POST"])
@role_required("admin")
def register_key() -> Any:
    """Register a participant's new public key: with a revoke of the old one, a key rotation."""
    participant = request.form.get("participant_id", "")
    public_key = request.form.get("public_key", "").strip()
    receipt = context.ledger().register_key(participant, public_key)
    flash(f"New key for {participant} registered (record {receipt.seq}); revoke the old one to finish a rotation.")
    return redirect(url_for("admin.index"))


@bp.route("/keys/rotate-custodial", methods=["POST"])
@role_required("admin")
def rotate_custodial_key() -> Any:
    """Give a participant a new portal signing key; the old one is revoked in the same batch."""
    participant = request.form.get("participant_id", "")
    rotation = context.accounts().rotate_custodial_key(context.ledger(), participant, request.form.get("reason") or None)
    revoked = (f"old key {rotation.old_key_id} revoked (record {rotation.revoked_seq})" if rotation.revoked_seq is not None
               else f"old key {rotation.old_key_id} was already out of use")
    flash(f"Custodial key of {participant} rotated: new key {rotation.new_key_id} (record {rotation.registered_seq}), "
          f"{revoked}. Portal submissions are signed with the new key from now on.")
    return redirect(url_for("admin.index"))
