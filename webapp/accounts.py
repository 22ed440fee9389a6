"""Portal accounts: password login and API tokens.

Passwords are salted and stretched by werkzeug (scrypt); API tokens are random 256-bit
values stored only as SHA-256 (a token is high-entropy, so a fast hash is enough and lets
every API request be checked with one indexed lookup). The keys the portal signs with
for participants are the ledger's business (:mod:`ledger.custodial_keys`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ledger.db import write_transaction
from ledger.errors import ConflictError, NotFoundError, SchemaError
from ledger.service import Ledger
from webapp.portal_tables import ApiTokenRow, UserRow

ROLES = ("supplier", "auditor", "admin")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class User:
    username: str
    role: str
    participant_id: str | None
    disabled: bool = False


def _user(row: Any) -> User:
    return User(row.username, row.role, row.participant_id, row.disabled_at is not None)


@dataclass(frozen=True)
class ApiToken:
    """A token as its owner sees it later: never the secret, only an id derived from its hash."""

    token_id: str
    label: str
    created_at: datetime


def _token_id(token_hash: bytes) -> str:
    """A token's public name: a prefix of its SHA-256, which reveals nothing of the token."""
    return token_hash.hex()[:16]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Accounts:
    """Users, tokens and custodial keys in the ledger's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- users ------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: str, participant_id: str | None = None,
                 *, ledger: Ledger | None = None) -> User:
        """Create an account; with ``ledger``, a supplier's participant must be registered there.

        Raises :class:`SchemaError` naming the bad field, :class:`NotFoundError` for an
        unregistered participant, :class:`ConflictError` if the username is taken.
        """
        bound = _bound_participant(role, participant_id)
        if len(password) < MIN_PASSWORD:
            raise SchemaError(f"password must have at least {MIN_PASSWORD} characters", field="password")
        if not username or len(username) > 100:
            raise SchemaError("username must have 1 to 100 characters", field="username")
        if ledger is not None and bound is not None:
            ledger.require_participant(bound)
        try:
            with write_transaction(self.engine) as conn:
                conn.execute(insert(UserRow).values(
                    username=username, password_hash=generate_password_hash(password), role=role,
                    participant_id=bound, created_at=_now(),
                ))
        except IntegrityError:
            raise ConflictError(f"user {username} already exists", field="username") from None
        return User(username, role, bound)

    def get_user(self, username: str) -> User | None:
        """The account, disabled or not (callers that grant access check ``disabled``)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
        return _user(row) if row else None

    def authenticate(self, username: str, password: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            check_password_hash(generate_password_hash("x"), password)  # same cost either way
            return None
        if not check_password_hash(row.password_hash, password) or row.disabled_at is not None:
            return None
        return _user(row)

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(UserRow).order_by(UserRow.username)).all()
        return [_user(r) for r in rows]

    def set_role(self, username: str, role: str, participant_id: str | None, ledger: Ledger) -> User:
        """Give an account another role (a supplier: bound to a registered participant).

        Raises as :meth:`add_user` does for the role and participant, :class:`NotFoundError`
        for an unknown user, and :class:`ConflictError` rather than demote the last enabled admin.
        """
        bound = _bound_participant(role, participant_id)
        if bound is not None:
            ledger.require_participant(bound)
        with write_transaction(self.engine) as conn:
            row = _user_row(conn, username)
            if role != "admin":
                _keep_an_admin(conn, row)
            conn.execute(update(UserRow).where(UserRow.username == username)
                         .values(role=role, participant_id=bound))
        return User(username, role, bound, row.disabled_at is not None)

    def set_disabled(self, username: str, disabled: bool) -> User:
        """Disable an account (no login, no API token works) or enable it again.

        Raises :class:`NotFoundError` for an unknown user and :class:`ConflictError` rather
        than disable the last enabled admin, which would lock every admin out.
        """
        with write_transaction(self.engine) as conn:
            row = _user_row(conn, username)
            if disabled:
                _keep_an_admin(conn, row)
            if disabled != (row.disabled_at is not None):
                conn.execute(update(UserRow).where(UserRow.username == username)
                             .values(disabled_at=_now() if disabled else None))
        return User(username, row.role, row.participant_id, disabled)

    # -- API tokens ---------------------------------------------------------------
    def issue_token(self, username: str, label: str) -> str:
        """A new token for ``username``; the returned value is shown once and not stored."""
        token = "clk_" + secrets.token_urlsafe(32)
        with write_transaction(self.engine) as conn:
            conn.execute(insert(ApiTokenRow).values(
                token_hash=hashlib.sha256(token.encode()).digest(), username=username,
                label=label[:100] or "token", created_at=_now(),
            ))
        return token

    def user_for_token(self, token: str) -> User | None:
        """The enabled account holding ``token``, or None."""
        digest = hashlib.sha256(token.encode()).digest()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(UserRow).join(ApiTokenRow, ApiTokenRow.username == UserRow.username)
                .where(ApiTokenRow.token_hash == digest, UserRow.disabled_at.is_(None))
            ).first()
        return _user(row) if row else None

    def tokens(self, username: str) -> list[ApiToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ApiTokenRow.token_hash, ApiTokenRow.label, ApiTokenRow.created_at)
                .where(ApiTokenRow.username == username).order_by(ApiTokenRow.created_at)
            ).all()
        return [ApiToken(_token_id(r[0]), r[1], r[2]) for r in rows]

    def revoke_token(self, username: str, token_id: str) -> ApiToken:
        """Delete one of ``username``'s tokens (portal state, not a ledger record): it stops working at once."""
        found = next((t for t in self.tokens(username) if t.token_id == token_id), None)
        if found is None:
            raise NotFoundError(f"you have no API token {token_id}", field="token_id")
        with write_transaction(self.engine) as conn:
            for (digest,) in conn.execute(select(ApiTokenRow.token_hash).where(ApiTokenRow.username == username)):
                if _token_id(digest) == token_id:
                    conn.execute(delete(ApiTokenRow).where(ApiTokenRow.token_hash == digest))
        return found


def _bound_participant(role: str, participant_id: str | None) -> str | None:
    """The participant an account of ``role`` acts for: a supplier's, nobody for other roles."""
    if role not in ROLES:
        raise SchemaError(f"role must be one of {', '.join(ROLES)}", field="role")
    if role != "supplier":
        return None
    if not participant_id:
        raise SchemaError("a supplier account must be bound to a participant", field="participant_id")
    return participant_id


def _user_row(conn: Connection, username: str) -> Any:
    row = conn.execute(select(UserRow).where(UserRow.username == username)).first()
    if row is None:
        raise NotFoundError(f"user {username} does not exist", field="username")
    return row


def _keep_an_admin(conn: Connection, row: Any) -> None:
    """Refuse a change that takes away the last enabled admin account (``row`` is the one changing)."""
    if row.role != "admin" or row.disabled_at is not None:
        return
    others = conn.execute(select(func.count()).select_from(UserRow).where(
        UserRow.role == "admin", UserRow.disabled_at.is_(None), UserRow.username != row.username)).scalar()
    if not others:
        raise ConflictError(f"{row.username} is the last enabled admin account; make another admin first",
                            field="username")
