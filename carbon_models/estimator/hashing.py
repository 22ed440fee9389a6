"""The content hash of a model artefact (pure; see :mod:`.model` for the layout).

``model_hash`` = SHA-256 over, for ``mean.txt``, ``p10.txt``, ``p50.txt``, ``p90.txt`` and
``metadata.json`` in that order: the file name, a NUL, the byte length in ASCII, a NUL and
the bytes, where ``metadata.json`` is taken as canonical JSON (sorted keys, no spaces,
no NaN) without its ``model_hash`` member.
"""

from __future__ import annotations

import hashlib
import json

QUANTILE_NAMES = ("p10", "p50", "p90")
BOOSTER_NAMES = ("mean",) + QUANTILE_NAMES
METADATA_FILE = "metadata.json"


def canonical_metadata(metadata: dict) -> bytes:
    body = {k: v for k, v in metadata.items() if k != "model_hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def content_hash(booster_texts: dict[str, str], metadata: dict) -> str:
    """Hex SHA-256 of the artefact; raises ``KeyError`` if a booster's text is missing."""
    h = hashlib.sha256()
    parts = [(f"{name}.txt", booster_texts[name].encode()) for name in BOOSTER_NAMES]
    parts.append((METADATA_FILE, canonical_metadata(metadata)))
    for name, data in parts:
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()
