"""The CarbonLedger portal: suppliers submit, consumers look up, auditors verify.

``create_app`` builds the Flask app over one ledger installation; every blueprint talks
to the ledger through its Python API (``ledger.service.Ledger``), never to SQL or the
chain directly.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from ledger.config import Config
from ledger.custodial_keys import CustodialKeys
from ledger.errors import LedgerError
from ledger.installation import installation_secret, open_ledger
from ledger.order_cache import OrderCache
from webapp.accounts import Accounts
from webapp.chain_access import RegistryAccess
from webapp.errors import headers_for, status_for
from webapp.public.order_page import order_payload

MAX_UPLOAD_BYTES = 32 * 1024 * 1024
"""Largest request body: a bulk upload of ~100,000 CSV rows."""

csrf = CSRFProtect()


def create_app(config: Config | None = None, *, testing: bool = False, registry: Any = None) -> Flask:
    """Build the portal for the installation ``config`` describes (default: from the environment).

    ``registry`` is the on-chain checkpoint registry to verify against; by default the
    installation's recorded registry is opened on first use.
    """
    config = config or Config.from_env()
    app = Flask(__name__)
    secret = installation_secret(config)
    app.config.update(
        SECRET_KEY=secret, MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES, TESTING=testing,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None,
    )
    ledger = open_ledger(config)
    chain = RegistryAccess(config, registry)
    app.extensions["carbonledger"] = {
        "ledger": ledger, "accounts": Accounts(ledger.engine), "custodial_keys": CustodialKeys(ledger, secret),
        "config": config, "chain": chain,
        "order_cache": OrderCache(ledger, chain.reader, partial(order_payload, ledger)),
    }
    csrf.init_app(app)

    from webapp import auth
    from webapp.account import routes as account
    from webapp.admin import api as admin_api
    from webapp.admin import routes as admin
    from webapp.api import routes as api
    from webapp.auditor import api as auditor_api
    from webapp.auditor import routes as auditor
    from webapp.epcis import routes as epcis
    from webapp.pact import routes as pact
    from webapp.public import routes as public
    from webapp.supplier import routes as supplier

    for pages in (auth, public, account, supplier, auditor, admin):
        app.register_blueprint(pages.bp)
    # The JSON APIs authenticate each request by token (PACT: OAuth2 client credentials), not by cookie.
    for json_api in (admin_api, api, auditor_api, epcis, pact):
        app.register_blueprint(json_api.bp)
        csrf.exempt(json_api.bp)
    app.before_request(auth.load_user)
    app.add_template_filter(_when, "when")
    _register_error_handlers(app)
    return app


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/epcis/", "/2/", "/3/", "/auth/")) or request.accept_mimetypes.best == "application/json"


def _register_error_handlers(app: Flask) -> None:
    def render_error(status: int, body: dict[str, Any]) -> Any:
        if _wants_json():
            return jsonify(body), status
        return render_template("error.html", status=status, body=body), status

    @app.errorhandler(LedgerError)
    def ledger_error(exc: LedgerError) -> Any:
        body, status = render_error(status_for(exc), exc.to_dict())
        return body, status, headers_for(exc)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return render_error(400, {"error": "CSRFError", "message": "the form expired or was not sent from this site; "
                                  "reload the page and try again"})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        return render_error(exc.code or 500, {"error": exc.name.replace(" ", ""), "message": exc.description})

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError) -> Any:
        app.logger.warning("database unavailable on %s: %s", request.path, exc.orig)
        body, status = render_error(503, {"error": "DatabaseUnavailable", "message": "the database could not be "
                                          "reached or dropped the connection; try again in a moment"})
        return body, status, {"Retry-After": "1"}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        app.logger.exception("unexpected error on %s", request.path)
        return render_error(500, {"error": "InternalError", "message": "an internal error occurred; it was logged"})

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"current_user": g.get("user")}


def _when(value: str | None) -> str:
    """'2026-09-01T06:00:00+08:00' → '2026-09-01 06:00 (UTC+08:00)': readable, still exact."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "local"
    return f"{moment:%Y-%m-%d %H:%M} ({zone})"
