"""Portal accounts: password login, API tokens, and custodial keys encrypted at rest.

Passwords are salted and stretched by werkzeug (scrypt); API tokens are random 256-bit
values stored only as SHA-256 (a token is high-entropy, so a fast hash is enough and lets
every API request be checked with one indexed lookup); custodial private keys are sealed
with AES-256-GCM under a key derived (HKDF) from the portal secret, bound to the
participant id so a ciphertext copied to another participant's row does not decrypt.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ledger.config import Config
from ledger.db import write_transaction
from ledger.errors import ConflictError, NotFoundError, SchemaError
from ledger.ingest import Receipt
from ledger.records.signing import SigningKey
from ledger.service import Ledger
from webapp.tables import ApiTokenRow, CustodialKeyRow, UserRow

ROLES = ("supplier", "auditor", "admin")
SECRET_FILE = "portal-secret"
MIN_PASSWORD = 10
ROTATION_REASON = "custodial key rotated by the portal"
"""Kept in the revocation record when the admin gives no reason, so the log says why."""


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


@dataclass(frozen=True)
class KeyRotation:
    """A custodial key rotation as the log holds it.

    ``revoked_seq`` is None when the old key needed no revocation (already revoked, or
    never registered because a run stopped between storing and registering it).
    """

    participant_id: str
    old_key_id: str
    new_key_id: str
    registered_seq: int
    revoked_seq: int | None


def _token_id(token_hash: bytes) -> str:
    """A token's public name: a prefix of its SHA-256, which reveals nothing of the token."""
    return token_hash.hex()[:16]


def portal_secret(config: Config) -> bytes:
    """The portal secret: ``CARBONLEDGER_SECRET_KEY``, else a random one kept in the home."""
    if config.portal_secret:
        return config.portal_secret.encode()
    path = config.home / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return Path(path).read_text().strip().encode()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Accounts:
    """Users, tokens and custodial keys in the ledger's database."""

    def __init__(self, engine: Engine, secret: bytes) -> None:
        self.engine = engine
        self._seal_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                              info=b"carbonledger/custodial-keys/v1").derive(secret)

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
            _require_participant(ledger, bound)
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
            _require_participant(ledger, bound)
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

    # -- custodial keys -----------------------------------------------------------
    def custodial_key(self, ledger: Ledger, participant_id: str) -> SigningKey:
        """The participant's portal signing key, created and registered on first use."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(CustodialKeyRow).where(CustodialKeyRow.participant_id == participant_id)
            ).first()
        if row is not None:
            pem = AESGCM(self._seal_key).decrypt(row.nonce, row.ciphertext, participant_id.encode())
            key = SigningKey.from_pem(pem)
            try:
                ledger.public_key(key.key_id)
            except NotFoundError:  # a previous run stored the key but stopped before registering it
                ledger.register_key(participant_id, key.public_b64)
            return key
        _require_participant(ledger, participant_id)
        key = SigningKey.generate()
        try:
            with write_transaction(self.engine) as conn:
                self._store(conn, participant_id, key)
        except IntegrityError:  # created concurrently by another worker: use theirs
            return self.custodial_key(ledger, participant_id)
        ledger.register_key(participant_id, key.public_b64)
        return key

    def register_custodial_participant(self, ledger: Ledger, participant_id: str, name: str, roles: list[str],
                                       country: str | None = None) -> tuple[list[Receipt], str]:
        """Register a participant whose signing key the portal creates and holds.

        The key is stored in the transaction that appends the participant and key records,
        so either both exist or neither: no participant is left with a key nobody holds.
        Returns the receipts and the new key's id; raises what registration raises, and
        :class:`ConflictError` if the portal already holds a key for ``participant_id``.
        """
        key = SigningKey.generate()
        try:
            receipts = ledger.register_participant(participant_id, name, roles, country, key.public_b64,
                                                   within=lambda conn: self._store(conn, participant_id, key))
        except IntegrityError:
            raise ConflictError(f"the portal already holds a key for {participant_id}", field="participant_id") from None
        return receipts, key.key_id

    def rotate_custodial_key(self, ledger: Ledger, participant_id: str, reason: str | None = None) -> KeyRotation:
        """Replace the participant's portal signing key with a new one, atomically.

        The new key is registered and the old one revoked in one log batch, and the sealed
        key is swapped in the same database transaction: either the portal signs with the
        new key from now on and the old one is revoked as of this batch (records it signed
        before stay valid), or, on any failure, nothing changed and the old key stays in use.

        Raises :class:`NotFoundError` for an unknown participant or one without a custodial
        key (it is created on the participant's first portal submission), and
        :class:`ConflictError` if another rotation replaced the key meanwhile.
        """
        with self.engine.connect() as conn:
            old_key_id = conn.execute(
                select(CustodialKeyRow.key_id).where(CustodialKeyRow.participant_id == participant_id)
            ).scalar()
        if old_key_id is None:
            _require_participant(ledger, participant_id)
            raise NotFoundError(f"participant {participant_id} has no custodial key yet; it is created on the "
                                "first portal submission", field="participant_id")
        key = SigningKey.generate()

        def swap(conn: Connection) -> None:
            swapped = conn.execute(
                update(CustodialKeyRow)
                .where(CustodialKeyRow.participant_id == participant_id, CustodialKeyRow.key_id == old_key_id)
                .values(**self._sealed(participant_id, key))
            )
            if swapped.rowcount != 1:
                raise ConflictError(f"the custodial key of {participant_id} changed during the rotation; try again",
                                    field="participant_id")

        receipts = ledger.rotate_key(participant_id, key.public_b64, old_key_id,
                                     reason or ROTATION_REASON, within=swap)
        return KeyRotation(participant_id, old_key_id, key.key_id, receipts[0].seq,
                           receipts[1].seq if len(receipts) > 1 else None)

    def _store(self, conn: Connection, participant_id: str, key: SigningKey) -> None:
        conn.execute(insert(CustodialKeyRow).values(participant_id=participant_id, **self._sealed(participant_id, key)))

    def _sealed(self, participant_id: str, key: SigningKey) -> dict[str, Any]:
        """The custodial-key row values holding ``key`` sealed for ``participant_id``."""
        nonce = os.urandom(12)
        sealed = AESGCM(self._seal_key).encrypt(nonce, key.to_pem(), participant_id.encode())
        return {"key_id": key.key_id, "nonce": nonce, "ciphertext": sealed, "created_at": _now()}


def _require_participant(ledger: Ledger, participant_id: str) -> None:
    if participant_id not in {p["participant_id"] for p in ledger.participants()}:
        raise NotFoundError(f"participant {participant_id} is not registered", field="participant_id")


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


DEMO_ACCOUNTS = (
    ("tea-supplier", "supplier", "hangzhou-spring-tea"),
    ("lastmile-carrier", "supplier", "rhein-lastmile"),
    ("auditor", "auditor", None),
    ("admin", "admin", None),
)
DEMO_ACCOUNTS_FILE = "demo-accounts.txt"


def ensure_demo_accounts(accounts: Accounts, home: Path) -> list[tuple[str, str, str]]:
    """Create the demo portal accounts once; return (user, password, role) for each.

    Passwords are random per installation and kept (mode 0600) in the home, so re-running
    the demo prints the same ones and no password is ever committed anywhere.
    """
    path = home / DEMO_ACCOUNTS_FILE
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            user, _, password = line.partition(" ")
            known[user] = password
    out = []
    for username, role, participant in DEMO_ACCOUNTS:
        password = known.get(username) or secrets.token_urlsafe(12)
        if accounts.get_user(username) is None:
            accounts.add_user(username, password, role, participant)
        known[username] = password
        out.append((username, password, role))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(f"{u} {p}\n" for u, p in known.items()))
    return out
