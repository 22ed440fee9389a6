"""Public identifiers: what a consumer's link or QR code carries instead of an order id.

An order id is the merchant's internal reference and may be guessable or sensitive; the
public id is a one-way digest of it (no key needed to derive it), stable forever (it is derived, never
stored apart from the lookup index), and short enough for a QR code.
"""

from __future__ import annotations

import hashlib

PUBLIC_ID_CONTEXT = b"carbonledger/order-public-id/v1\x00"


def order_public_id(order_id: str) -> str:
    """20 hex characters (80 bits) of SHA-256 over the order id, domain-separated."""
    return hashlib.sha256(PUBLIC_ID_CONTEXT + order_id.encode("utf-8")).hexdigest()[:20]
