"""Consumer lookup under load: the order page and its JSON twin at 50 concurrent clients.

The ledger holds ``--records`` records (the demo supply chain plus synthetic shipments),
anchored on the embedded anvil node; ``carbonledger serve`` (gunicorn workers) runs in its
own process and ``wrk`` (Debian package) drives it. Peer in the same run: ``/api/v1/log``, a
trivial page on the same server, i.e. the floor that gunicorn + Flask + two queries cost on
this machine. Every endpoint is warmed for two seconds first, so each worker has verified
the order once and the measurement is of the steady state (re-check per request).

    .venv/bin/python bench/bench_lookup.py [--records 100000] [--connections 50] [--seconds 20]
                                           [--workers N] [--database-url URL] [--home DIR]

``--home`` keeps the prepared store (and the anvil state) for the next run: loading 10^6
records takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from workload import shipment  # bench/ is on sys.path when run as a script

from ledger import demo_supply_chain, installation
from ledger.chain.node import free_port
from ledger.config import Config
from ledger.records.public_ids import order_public_id
from ledger.records.signing import SigningKey

RESULTS = Path(__file__).with_name("results")
CLI = str(Path(sys.executable).with_name("carbonledger"))
TARGET_P99_MS = 50.0


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


RANDOM_PATHS_LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) %% 100000) end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
"""


def wrk(url: str, connections: int, seconds: int, paths: Path | None = None) -> dict[str, float]:
    """wrk against ``url``, or against a random one of ``paths`` (one URL path per line) per request."""
    script: list[str] = []
    if paths is not None:
        lua = paths.with_suffix(".lua")
        lua.write_text(RANDOM_PATHS_LUA % paths)
        script = ["-s", str(lua)]
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *script, url],
                         capture_output=True, text=True, check=True).stdout
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))
    if "50" not in lat:
        raise SystemExit(f"wrk measured nothing at {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {"timeouts": float(timeouts.group(1)) if timeouts else 0.0,
            "p50_ms": _ms(lat["50"]), "p90_ms": _ms(lat["90"]), "p99_ms": _ms(lat["99"]), "rps": rps,
            "non_2xx": float(errors.group(1)) if errors else 0.0}


def prepare(home: Path, records: int, database_url: str) -> dict[str, str]:
    """A ledger of ``records`` anchored records under ``home`` (kept: a second run reuses it)."""
    env = {**os.environ, "CARBONLEDGER_HOME": str(home), "CARBONLEDGER_CHAIN": "embedded"}
    port_file = home / "bench-chain-port"
    if port_file.exists():
        env["CARBONLEDGER_CHAIN_PORT"] = port_file.read_text()
    else:
        home.mkdir(parents=True, exist_ok=True)
        env["CARBONLEDGER_CHAIN_PORT"] = str(free_port())
        port_file.write_text(env["CARBONLEDGER_CHAIN_PORT"])
    if database_url:
        env["CARBONLEDGER_DATABASE_URL"] = database_url
    config = Config.from_env(env)
    ledger = installation.init(config).ledger
    demo_supply_chain.load(ledger, config.home / "demo-keys")
    key_file = home / "bench-supplier.key"
    if key_file.exists():
        key = SigningKey.from_pem(key_file.read_bytes())
    else:
        key = SigningKey.generate()
        ledger.register_participant("bench-supplier", "Bench", ["supplier"], "CN", key.public_b64)
        key.save(key_file)
    started = time.perf_counter()
    filler = max(0, records - ledger.log_info().size)
    first = ledger.log_info().size  # shipment numbers above any already used
    for start in range(first, first + filler, 5000):
        stop = min(first + filler, start + 5000)
        ledger.submit_many([key.sign_record(shipment(i)) for i in range(start, stop)])
        if (stop - first) % 100_000 == 0:
            print(f"  loaded {stop - first:,} of {filler:,}", file=sys.stderr)
    print(f"store: {ledger.log_info().size:,} records ({time.perf_counter() - started:.0f} s to load)",
          file=sys.stderr)
    subprocess.run([CLI, "demo"], env=env, check=True, capture_output=True)  # anchors everything
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=0, help="portal worker processes (default: serve's own)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (default: serve's own)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--home", type=Path, help="keep the prepared store here and reuse it on the next run")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        env = prepare(home, args.records, args.database_url)
        records = installation.open_ledger(Config.from_env(env)).log_info().size
        port = free_port()
        server_log = open(home / "serve.log", "w")  # noqa: SIM115 (closed with the server)
        command = [CLI, "serve", "--port", str(port), "--no-anchor"]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        server = subprocess.Popen(command, env=env, stdout=server_log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"{base}/api/v1/log", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit(f"the portal did not come up: {(home / 'serve.log').read_text()}")
            pid = order_public_id("ORD-TEA-1001")
            targets = [("peer: /api/v1/log", f"{base}/api/v1/log"),
                       ("order page /p/<public id>", f"{base}/p/{pid}"),
                       ("JSON twin /api/v1/orders/<id>", f"{base}/api/v1/orders/{pid}")]
            for _, url in targets:  # warm every worker's caches before measuring
                wrk(url, args.connections, 2)
            rows = [(name, wrk(url, args.connections, args.seconds)) for name, url in targets]
            # Each request a different order among 10^5 synthetic ones: nearly every view is a
            # first view in its worker, so this measures the full live verification.
            cold = home / "cold-paths.txt"
            cold.write_text("".join(f"/p/{order_public_id(f'ORD-{i:08d}')}\n"
                                    for i in random.Random(7).sample(range(100, records // 3 - 10), min(100_000, records // 3 - 110))))
            rows.append(("order page, random of 10^5 (cold)", wrk(base, args.connections, args.seconds, cold)))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
            server_log.close()
            subprocess.run([CLI, "chain", "stop"], env=env, capture_output=True)
    peer = rows[0][1]
    print(f"{records:,} records, {'postgresql' if args.database_url else 'sqlite'}, {args.connections} connections, "
          f"workers {args.workers or 'default'}, threads {args.threads or 'default'}; load average before: "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'endpoint':<32} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99/peer':>9} {'timeouts':>9}  target")
    for name, r in rows:
        print(f"{name:<32} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p90_ms']:>8.1f} {r['p99_ms']:>8.1f} "
              f"{r['p99_ms'] / peer['p99_ms']:>9.1f} {r['timeouts']:>9.0f}  {'' if name.startswith('peer') else f'p99 < {TARGET_P99_MS:.0f} ms'}")
    RESULTS.mkdir(exist_ok=True)
    database = "postgresql" if args.database_url else "sqlite"
    (RESULTS / f"lookup-{database}.json").write_text(json.dumps({
        "benchmark": "lookup", "machine": platform.machine(), "records": records,
        "database": database, "connections": args.connections, "workers": args.workers or None, "threads": args.threads or None,
        "results": {name: r for name, r in rows},
    }, indent=2))


if __name__ == "__main__":
    main()
