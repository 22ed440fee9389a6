"""Ed25519 keys and record signatures.

A signature covers ``SIGNING_CONTEXT || JCS(record)``. The context prefix is domain
separation: a key a participant also uses elsewhere can never be tricked into signing
something that verifies here as a ledger record, or the reverse.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.records.canonical import canonical_bytes

SIGNING_CONTEXT = b"carbonledger/record/v1\x00"
"""Prefix of every signed message; bump the version only with a new envelope format."""

KEY_ID_BYTES = 16
"""Key ids are the first 128 bits of SHA-256(raw public key): collision-free in practice
for any number of participants a ledger will have, and short enough to read."""


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    """Base64url without padding: the text form of keys and signatures in records."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """Inverse of :func:`b64url`; raises ``ValueError`` on malformed text."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("expected a base64url string without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not base64url: {exc}") from exc


def parse_public_key(text: str) -> bytes:
    """The raw Ed25519 public key that ``text`` (base64url, as ``carbonledger keygen`` prints it) encodes.

    Checked before a key is registered so a pasted key that is cut short or has stray
    characters is refused with this message, not by a signature that later fails to verify.
    Raises ``ValueError`` unless ``text`` is exactly 32 bytes in base64url.
    """
    try:
        raw = from_b64url(text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError("must be a 32-byte Ed25519 public key in base64url")
    return raw


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_key: bytes) -> str:
    """The key id naming a raw 32-byte Ed25519 public key."""
    return "ed25519:" + hashlib.sha256(public_key).digest()[:KEY_ID_BYTES].hex()


def signing_message(canonical_record: bytes) -> bytes:
    return SIGNING_CONTEXT + canonical_record


@dataclass(frozen=True)
class SigningKey:
    """A participant's private key with its derived public key and id."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_bytes(self) -> bytes:
        return public_key_bytes(self.private.public_key())

    @property
    def public_b64(self) -> str:
        return b64url(self.public_bytes)

    @property
    def key_id(self) -> str:
        return key_id_for(self.public_bytes)

    def sign_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Sign ``record`` and return the submission: ``{record, key_id, signature}``."""
        signature = self.private.sign(signing_message(canonical_bytes(record)))
        return {"record": record, "key_id": self.key_id, "signature": b64url(signature)}

    def to_pem(self, passphrase: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)

    @classmethod
    def from_pem(cls, pem: bytes, passphrase: bytes | None = None) -> SigningKey:
        """Load a PKCS#8 PEM key; raises ``ValueError`` if it is not an Ed25519 key."""
        try:
            key = serialization.load_pem_private_key(pem, password=passphrase)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cannot read private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("private key is not an Ed25519 key")
        return cls(key)

    def save(self, path: Path, passphrase: bytes | None = None) -> None:
        """Write the key readable by its owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_bytes(self.to_pem(passphrase))

    @classmethod
    def load(cls, path: Path, passphrase: bytes | None = None) -> SigningKey:
        return cls.from_pem(path.read_bytes(), passphrase)


def verify_signature(public_key: bytes, canonical_record: bytes, signature: bytes) -> bool:
    """True when ``signature`` is the key's signature over the canonical record."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, signing_message(canonical_record))
    except (InvalidSignature, ValueError):
        return False
    return True


_POOL: ThreadPoolExecutor | None = None
_VERIFY_CHUNK = 128


def _verify_chunk(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bool]:
    return [len(sig) == 64 and verify_signature(pub, msg, sig) for pub, msg, sig in items]


def verify_many(items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bool]:
    """Verify ``(public_key, canonical_record, signature)`` triples on every core.

    OpenSSL's Ed25519 verification releases the GIL, so threads give real parallelism;
    the pool is created on first use and shared by the process.
    """
    return verify_many_async(items)()


def verify_many_async(items: Sequence[tuple[bytes, bytes, bytes]]) -> Callable[[], list[bool]]:
    """Start :func:`verify_many` in the background; call the result to wait for it.

    Lets a caller overlap its own Python work (which holds the GIL) with verification
    (which does not), e.g. the audit preparing the next batch meanwhile.
    """
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="ed25519")
    futures = [_POOL.submit(_verify_chunk, items[i:i + _VERIFY_CHUNK]) for i in range(0, len(items), _VERIFY_CHUNK)]

    def collect() -> list[bool]:
        out: list[bool] = []
        for future in futures:
            out.extend(future.result())
        return out

    return collect
