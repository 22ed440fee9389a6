"""The portal's own tables: people who log in, their API tokens, and the audit reports it keeps.

These are the portal's state, not ledger records: they are never hashed into the log
(an audit report is fixed by an ``audit_report`` record, but the report itself is kept
here). Their migrations are the portal's own (:mod:`webapp.migrations`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ledger.db import Base
from ledger.tables import SeqType


class UserRow(Base):
    __tablename__ = "portal_users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    participant_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Set by an admin: the account can neither log in nor use its API tokens until enabled again."""


class ApiTokenRow(Base):
    """An API token, stored as its SHA-256: the token itself is shown once, never kept."""

    __tablename__ = "portal_api_tokens"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), ForeignKey("portal_users.username"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditReportRow(Base):
    """A finished audit report, kept as the exact canonical bytes whose SHA-256 the log holds.

    ``record_seq`` is the ``audit_report`` record that fixes the report: the portal keeps
    the report, the log proves it unaltered.
    """

    __tablename__ = "audit_reports"

    report_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(Text)
    report: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    record_seq: Mapped[int] = mapped_column(SeqType, ForeignKey("records.seq"))
