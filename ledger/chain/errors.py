"""Errors of the chain layer, the same whichever node or backend answered.

Every node reports a reverted call differently (eth-tester raises, anvil and Hardhat
return JSON-RPC errors with the revert data in different places); :mod:`ledger.chain.reverts`
turns all of them into :class:`ContractRevert` carrying the custom error's name and
decoded arguments, so callers compare ``exc.name`` rather than parse messages.
"""

from __future__ import annotations

from typing import Any

from ledger.errors import LedgerError


class ChainError(LedgerError):
    """Base of everything the chain layer raises."""


class ChainUnavailableError(ChainError, ConnectionError):
    """The node is not running or does not answer (CLI exit 3: not ready)."""


class ToolchainError(ChainError, RuntimeError):
    """node_modules (solc, anvil) is missing or the compiler refused the sources."""


class NotDeployedError(ChainError, LookupError):
    """No registry is recorded (with code on chain) for this chain id: run ``carbonledger chain deploy``."""


class KeyConfigError(ChainError, ValueError):
    """The anchoring key (``CARBONLEDGER_ANCHOR_KEY`` or keystore) is missing or unusable."""


class ContractRevert(ChainError):
    """A contract call or transaction reverted.

    ``name`` is the custom error's name (``"CheckpointRegistryNotExtension"``,
    ``"AccessControlUnauthorizedAccount"``, ``"Error"`` for a revert string, ``"Panic"``,
    or ``"Unknown"`` when the revert data matches no error of the ABI); ``error_args``
    the decoded arguments in order and ``params`` the same keyed by parameter name.
    """

    def __init__(self, name: str, args: tuple[Any, ...] = (), *, params: dict[str, Any] | None = None,
                 data: bytes = b"", tx_hash: str | None = None) -> None:
        shown = ", ".join(_show(a) for a in args)
        super().__init__(f"contract reverted with {name}({shown})")
        self.name = name
        self.error_args = tuple(args)
        self.params = dict(params or {})
        self.data = data
        self.tx_hash = tx_hash

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = super().to_dict()
        out["revert"] = self.name
        out["args"] = [_show(a) for a in self.error_args]
        return out


class TransactionFailedError(ChainError, RuntimeError):
    """A transaction was mined with status 0 and replaying it showed no revert reason."""


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)
