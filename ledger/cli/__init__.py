"""The ``carbonledger`` command line.

Each command group lives in its own module under ``ledger.cli`` and is attached to
:data:`main` here, so adding a command never means editing another command's module.
Packages built on the ledger add their own commands through the ``carbonledger.commands``
entry-point group, as Flask's extensions do with ``flask.commands``: the portal adds
``serve``, ``user`` and ``demo`` that way, so the ledger never imports the portal, and a
plugin is imported only when one of its commands is run (or ``--help`` lists them).
Exit codes scripts can trust: 0 success, 1 a verification or check failed, 2 bad usage
or bad input (click's own convention), 3 the environment is not ready (no database, no
chain).
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import click

from ledger.config import Config

PLUGIN_GROUP = "carbonledger.commands"
"""Entry-point group whose entries (name = command name, value = a click command) join ``main``."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_NOT_READY = 3


def _plugins() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=PLUGIN_GROUP)}


class _CommandsWithPlugins(click.Group):
    """The ledger's own commands, then those of installed plugins, each loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_plugins()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        plugin = _plugins().get(cmd_name)
        if plugin is None:
            return None
        loaded = plugin.load()
        if not isinstance(loaded, click.Command):
            raise click.ClickException(f"entry point {plugin.value} ({PLUGIN_GROUP}) is not a click command")
        return loaded


@click.group(cls=_CommandsWithPlugins, context_settings={"help_option_names": ["-h", "--help"]})
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
