"""The ``carbonledger`` command line.

Each command group lives in its own module under ``ledger.cli`` and is attached to
:data:`main` here, so adding a command never means editing another command's module.
Exit codes scripts can trust: 0 success, 1 a verification or check failed, 2 bad usage
or bad input (click's own convention), 3 the environment is not ready (no database, no
chain).
"""

from __future__ import annotations

from pathlib import Path

import click

from ledger.config import Config

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_READY = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="carbonledger")
@click.option(
    "--home", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Installation directory (default: $CARBONLEDGER_HOME or ./var).",
)
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """CarbonLedger: signed supply-chain carbon records in an anchored Merkle log."""
    config = Config.from_env()
    if home is not None:
        config = config.with_home(home)
    ctx.obj = config


def _register_commands() -> None:
    # Imported for their side effect of adding commands to ``main``.
    from ledger.cli import commands  # noqa: F401


_register_commands()
