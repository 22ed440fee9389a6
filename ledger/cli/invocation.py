"""What every command shares: the configuration it runs on, and the translation of errors to exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ledger.chain.errors import ChainUnavailableError, ContractRevert, NotDeployedError, ToolchainError
from ledger.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_NOT_READY
from ledger.config import Config
from ledger.errors import LedgerError, NotInitialisedError

F = TypeVar("F", bound=Callable[..., Any])

NOT_READY = (NotInitialisedError, ChainUnavailableError, ToolchainError, NotDeployedError)
"""Errors that mean the environment is not ready (exit 3), not that the input was bad."""


def current_config() -> Config:
    ctx = click.get_current_context()
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Config) else Config.from_env()


def fail(message: str, code: int, *, as_json: bool = False, details: dict[str, Any] | None = None) -> None:
    """Print a user-facing error (plain or JSON) and exit with ``code``."""
    if as_json:
        click.echo(json.dumps(details or {"error": message}, indent=2))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)


def user_errors(func: F) -> F:
    """Turn ledger errors into a message and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except NOT_READY as exc:
            fail(str(exc), EXIT_NOT_READY, as_json=as_json, details=exc.to_dict())
        except ContractRevert as exc:
            fail(str(exc), EXIT_FAILED, as_json=as_json, details=exc.to_dict())
        except LedgerError as exc:
            fail(str(exc), EXIT_BAD_INPUT, as_json=as_json, details=exc.to_dict())

    return wrapper  # type: ignore[return-value]


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))
