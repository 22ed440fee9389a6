"""Login, logout and the role gate shared by every protected view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from webapp import services

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def load_user() -> None:
    """Put the logged-in user (cookie session or API bearer token) on ``g.user``."""
    g.user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = services.accounts().user_for_token(header.removeprefix("Bearer ").strip())
        g.via_token = True
        return
    username = session.get("username")
    if username:
        user = services.accounts().get_user(username)
        g.user = None if user is None or user.disabled else user  # disabled by an admin: logged out at once


def role_required(*roles: str) -> Callable[[F], F]:
    """Only users with one of ``roles`` may call the view; others get 401/403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = g.get("user")
            if user is None:
                if request.path.startswith("/api/"):
                    abort(401, "log in or send 'Authorization: Bearer <token>'")
                return redirect(url_for("auth.login", next=request.path))
            if user.role not in roles:
                abort(403, f"this page is for {' or '.join(roles)} accounts")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        user = services.accounts().authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            error = "Unknown user name or wrong password."
        else:
            session.clear()
            session["username"] = user.username
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = {"supplier": url_for("supplier.records"), "auditor": url_for("auditor.index"),
                          "admin": url_for("admin.index")}[user.role]
            return redirect(target)
    return render_template("login.html", error=error), 401 if error else 200


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("public.index"))
