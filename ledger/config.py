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


@dataclass(frozen=True)
class Config:
    """Settings of one CarbonLedger installation.

    ``home`` holds everything the service writes: the SQLite database, the service's
    signing key, the embedded chain's state. It defaults to ``./var`` so that a clone
    of the repository is a working installation after ``make demo``.
    """

    home: Path = DEFAULT_HOME
    database_url: str = ""
    chain: str = "embedded"
    anchor_batch_size: int = 1000
    anchor_max_age_seconds: float = 30.0
    confirmations: int = 1
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
            confirmations=int(env.get("CARBONLEDGER_CONFIRMATIONS", "1")),
            extra={k: v for k, v in env.items() if k.startswith("CARBONLEDGER_")},
        )
