"""Errors of the EPCIS package: every one names the event (by index) and field at fault."""

from __future__ import annotations

from ledger.errors import LedgerError


class EpcisError(LedgerError, ValueError):
    """An EPCIS document or event is malformed; ``record`` is ``event #<i>`` when one event is at fault."""


class EpcisUnsupportedError(EpcisError):
    """The input is valid EPCIS but uses a feature this implementation cannot hash correctly.

    Raised instead of producing an event hash ID that might differ from the standard's.
    """


class EpcisCaptureLimitError(EpcisError):
    """A document holds more events than one capture accepts."""


def event_label(index: int | None) -> str | None:
    """How errors name an event: its position in ``epcisBody.eventList``."""
    return None if index is None else f"event #{index}"
