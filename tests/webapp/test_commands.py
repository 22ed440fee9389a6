"""``carbonledger serve`` as an operator runs it: gunicorn workers, the anchoring process, anvil."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ledger import installation
from ledger.chain.node import free_port
from ledger.config import Config
from ledger.records.public_ids import order_public_id
from ledger.records.signing import SigningKey
from tests.chain_support import require_anvil
from tests.records_factory import transport_leg

CLI = str(Path(sys.executable).with_name("carbonledger"))


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_workers_serve_verified_orders_and_the_anchoring_process_anchors(tmp_path: Path) -> None:
    require_anvil()
    port = free_port()
    env = {**os.environ, "CARBONLEDGER_HOME": str(tmp_path / "home"), "CARBONLEDGER_CHAIN": "embedded",
           "CARBONLEDGER_CHAIN_PORT": str(free_port()), "CARBONLEDGER_ANCHOR_MAX_AGE": "1"}
    subprocess.run([CLI, "demo"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([CLI, "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get(f"{base}/api/v1/log")[0] == 200, 60, "the portal to answer")
        pid = order_public_id("ORD-TEA-1001")
        for _ in range(6):  # spread over both workers: each verifies once, then re-checks
            status, body = _get(f"{base}/api/v1/orders/{pid}")
            assert status == 200 and body["verification"]["all_verified"] is True
        assert _get(f"{base}/api/v1/orders/ORD-NOPE")[0] == 404

        config = Config.from_env(env)
        tea = SigningKey.load(config.home / "demo-keys" / "hangzhou-spring-tea.pem")
        receipt = installation.open_ledger(config).submit(tea.sign_record(
            transport_leg("LEG-SERVE-1", [body["shipments"][0]["shipment_id"]])))

        def anchored() -> bool:
            records = _get(f"{base}/api/v1/orders/{pid}")[1]["verification"]["records"]
            mine = [r for r in records if r["seq"] == receipt.seq]
            return bool(mine) and mine[0]["anchored"] is True and mine[0]["ok"]

        _wait_for(anchored, 60, "the anchoring process to anchor the new leg")
    finally:
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=90)
        subprocess.run([CLI, "chain", "stop"], env=env, capture_output=True)
    assert server.returncode == 0, out
    assert "Traceback" not in out, out
    leftovers = subprocess.run(["pgrep", "-f", f"--home {tmp_path / 'home'} anchor"], capture_output=True, text=True)
    assert leftovers.stdout == "", "the anchoring process outlived the portal"
