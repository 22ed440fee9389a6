"""The one place that reads CarbonLedger's environment.

Every other module receives a :class:`Config` (or values taken from it); none reads
``os.environ`` itself, so tests can build a config for a temporary home without
touching the process environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_HOME = Path("var")

_SECRET_VARS = frozenset({"CARBONLEDGER_ANCHOR_KEY", "CARBONLEDGER_ANCHOR_KEYSTORE_PASSWORD", "CARBONLEDGER_SECRET_KEY",
                          "CARBONLEDGER_KEY_PASSPHRASE", "CARBONLEDGER_USER_PASSWORD"})
"""Kept out of ``Config.extra`` (which shows in reprs and logs); read into hidden fields instead."""


@dataclass(frozen=True)
class Config:
    """Settings of one CarbonLedger installation.

    ``home`` holds everything the service writes: the SQLite database, the service's
    signing key, the embedded chain's state. It defaults to ``./var`` so that a clone
    of the repository is a working installation after ``make demo``.

    ``chain`` is ``"embedded"`` (an anvil node from node_modules that CarbonLedger runs,
    on ``chain_port`` or a free port), ``"tester"`` (in-process eth-tester) or a JSON-RPC
    URL. Against a URL, transactions are signed with ``anchor_key`` (hex) or the
    ``anchor_keystore`` file unlocked with ``anchor_keystore_password``; there is no
    default key. The two dev chains use the node's own unlocked dev accounts.
    """

    home: Path = DEFAULT_HOME
    database_url: str = ""
    chain: str = "embedded"
    anchor_batch_size: int = 1000
    anchor_max_age_seconds: float = 30.0
    anchor_lease_seconds: float = 120.0
    confirmations: int = 1
    chain_port: int = 0
    anchor_key: str = field(default="", repr=False)
    anchor_keystore: str = ""
    anchor_keystore_password: str = field(default="", repr=False)
    portal_secret: str = field(default="", repr=False)
    future_tolerance_hours: float = 24.0
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'carbonledger.db'}")

    @property
    def keys_dir(self) -> Path:
        """Where the service's own private keys live (never in the database)."""
        return self.home / "keys"

    def with_home(self, home: Path) -> Config:
        """A copy rooted elsewhere; the database follows the home unless set explicitly."""
        url = self.database_url
        if url == f"sqlite:///{self.home / 'carbonledger.db'}":
            url = ""
        return replace(self, home=home, database_url=url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from ``CARBONLEDGER_*`` variables."""
        env = os.environ if environ is None else environ
        home = Path(env.get("CARBONLEDGER_HOME", str(DEFAULT_HOME)))
        return cls(
            home=home,
            database_url=env.get("CARBONLEDGER_DATABASE_URL", ""),
            chain=env.get("CARBONLEDGER_CHAIN", "embedded"),
            anchor_batch_size=int(env.get("CARBONLEDGER_ANCHOR_BATCH_SIZE", "1000")),
            anchor_max_age_seconds=float(env.get("CARBONLEDGER_ANCHOR_MAX_AGE", "30")),
            anchor_lease_seconds=float(env.get("CARBONLEDGER_ANCHOR_LEASE", "120")),
            confirmations=int(env.get("CARBONLEDGER_CONFIRMATIONS", "1")),
            chain_port=int(env.get("CARBONLEDGER_CHAIN_PORT", "0")),
            anchor_key=env.get("CARBONLEDGER_ANCHOR_KEY", ""),
            anchor_keystore=env.get("CARBONLEDGER_ANCHOR_KEYSTORE", ""),
            anchor_keystore_password=env.get("CARBONLEDGER_ANCHOR_KEYSTORE_PASSWORD", ""),
            portal_secret=env.get("CARBONLEDGER_SECRET_KEY", ""),
            future_tolerance_hours=float(env.get("CARBONLEDGER_FUTURE_TOLERANCE_HOURS", "24")),
            extra={k: v for k, v in env.items() if k.startswith("CARBONLEDGER_") and k not in _SECRET_VARS},
        )
