"""The embedded chain: an anvil node from node_modules, run and supervised by CarbonLedger.

anvil is started by its binary path (not through ``npx``), so the pid we record is the
node itself; it listens on 127.0.0.1 only and keeps its state in
``<home>/chain/anvil-state.json`` (``--state``), so anchored checkpoints survive a
restart. ``<home>/chain/anvil.json`` records pid, port and URL, which is how
``carbonledger chain status|stop`` (another process) finds it. A node started without
``detach`` is stopped at interpreter exit. Dev-only: its accounts are anvil's well-known
unlocked test accounts.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ledger.chain.compile import NODE_MODULES
from ledger.chain.errors import ChainUnavailableError, ToolchainError

ANVIL_PACKAGES = {
    ("Linux", "x86_64"): "anvil-linux-amd64",
    ("Linux", "aarch64"): "anvil-linux-arm64",
    ("Darwin", "x86_64"): "anvil-darwin-amd64",
    ("Darwin", "arm64"): "anvil-darwin-arm64",
}
"""npm packages of @foundry-rs that ship the anvil binary, by (OS, machine)."""

STATE_INTERVAL_SECONDS = 1
"""anvil also dumps its state every second, so even a SIGKILL loses at most one second."""


def anvil_binary() -> Path:
    """Path of the anvil binary in node_modules; raises :class:`ToolchainError` if absent."""
    package = ANVIL_PACKAGES.get((platform.system(), platform.machine()))
    if package is None:
        raise ToolchainError(f"no anvil package for {platform.system()} {platform.machine()}")
    path = NODE_MODULES / "@foundry-rs" / package / "bin" / "anvil"
    if not path.exists():
        raise ToolchainError(f"{path} is missing: run `make node_modules/.installed` (npm ci)")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rpc_answers(url: str, timeout: float = 1.0) -> bool:
    """True if ``url`` answers a JSON-RPC ``eth_chainId``."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "result" in json.loads(response.read())
    except (OSError, urllib.error.URLError, ValueError):
        return False


@dataclass(frozen=True)
class NodeStatus:
    """What ``<home>/chain/anvil.json`` says about a running node."""

    pid: int
    port: int
    url: str
    state_file: str


class AnvilNode:
    """One embedded anvil node rooted at ``<home>/chain``."""

    def __init__(self, home: Path, port: int = 0, *, extra_args: tuple[str, ...] = ()) -> None:
        self.chain_dir = Path(home) / "chain"
        self.port = port
        self.extra_args = extra_args
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def info_file(self) -> Path:
        return self.chain_dir / "anvil.json"

    @property
    def state_file(self) -> Path:
        return self.chain_dir / "anvil-state.json"

    def status(self) -> NodeStatus | None:
        """The running node recorded under this home, or None (stale records are removed)."""
        try:
            info = NodeStatus(**json.loads(self.info_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if not _is_anvil(info.pid):
            self.info_file.unlink(missing_ok=True)
            return None
        return info

    def start(self, *, detach: bool = False, timeout: float = 30.0) -> NodeStatus:
        """Start the node (or return the one already running) and wait until RPC answers.

        ``detach`` leaves it running after this process exits (``carbonledger chain start``);
        otherwise it is stopped at exit. Raises :class:`ChainUnavailableError` on timeout.
        """
        running = self.status()
        if running is not None and rpc_answers(running.url):
            return running
        self.chain_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()
        url = f"http://127.0.0.1:{port}"
        command = [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(port),
                   "--state", str(self.state_file), "--state-interval", str(STATE_INTERVAL_SECONDS),
                   *self.extra_args]
        log_path = self.chain_dir / "anvil.log"
        if detach:
            # posix_spawn in a new session: no Popen object that would outlive us and warn.
            pid = os.posix_spawn(command[0], command, {}, setsid=True, file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(log_path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ])
            process = None
        else:
            with open(log_path, "ab") as log:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            pid = process.pid
        info = NodeStatus(pid=pid, port=port, url=url, state_file=str(self.state_file))
        deadline = time.monotonic() + timeout
        while not rpc_answers(url, timeout=0.5):
            exited = process.poll() is not None if process else os.waitpid(pid, os.WNOHANG)[0] == pid
            if exited or time.monotonic() > deadline:
                if not exited:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                tail = log_path.read_text(errors="replace")[-800:]
                raise ChainUnavailableError(f"anvil did not answer on {url}: {tail}")
            time.sleep(0.1)
        self.info_file.write_text(json.dumps(info.__dict__), encoding="utf-8")
        self._process = process
        if not detach:
            atexit.register(self.stop)
        return info

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the recorded node (SIGINT, so anvil writes its state); True if one was running."""
        info = self.status()
        if info is None:
            self._reap()
            return False
        os.kill(info.pid, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while _is_anvil(info.pid) and time.monotonic() < deadline:
            self._reap(block=False)
            _reap_child(info.pid)
            time.sleep(0.05)
        if _is_anvil(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        self._reap()
        self.info_file.unlink(missing_ok=True)
        return True

    def _reap(self, block: bool = True) -> None:
        if self._process is not None:
            if block:
                self._process.wait()
            elif self._process.poll() is None:
                return
            self._process = None


def _reap_child(pid: int) -> None:
    """Collect ``pid`` if it is our exited child (a detached node started by this process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _is_anvil(pid: int) -> bool:
    """True if ``pid`` is alive and runs anvil (a recycled pid is not ours to signal)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (macOS): trust the pid file
    return b"anvil" in cmdline.split(b"\0")[0] and stat.split(")")[-1].split()[0] != "Z"
