"""The embedded anvil node: supervision by pid, state across restarts, the ``chain`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.chain import AnvilNode, ChainUnavailableError, connect, deploy_registry, open_registry
from ledger.chain.node import rpc_answers
from ledger.cli import EXIT_BAD_INPUT, EXIT_NOT_READY, main
from ledger.config import Config
from tests.chain_support import consistency_proof, leaves, require_anvil

LOG = leaves(40)


@pytest.fixture(autouse=True)
def _anvil_installed() -> None:
    require_anvil()


def test_anchors_survive_a_restart(tmp_path: Path) -> None:
    from ledger import merkle

    config = Config(home=tmp_path, chain="embedded")
    node = AnvilNode(tmp_path)
    first = node.start()
    try:
        registry = deploy_registry(config, connect(config))
        registry.append_checkpoint(10, merkle.root_of(LOG[:10]), [], "cp:10")
        tx = registry.append_checkpoint(30, merkle.root_of(LOG[:30]), consistency_proof(LOG, 10, 30), "cp:30")
    finally:
        assert node.stop()
    assert not rpc_answers(first.url)
    assert node.status() is None
    assert (tmp_path / "chain" / "anvil-state.json").stat().st_size > 0

    second = node.start()
    try:
        assert second.pid != first.pid
        again = open_registry(config, connect(config, start_node=False))
        assert again.address == registry.address
        latest = again.latest_checkpoint()
        assert latest is not None and (latest.tree_size, latest.root) == (30, merkle.root_of(LOG[:30]))
        assert again.find_append(30) == tx
        again.append_checkpoint(40, merkle.root_of(LOG), consistency_proof(LOG, 30, 40), "")
        assert again.checkpoint_count() == 3
    finally:
        node.stop()


def test_start_is_idempotent_and_status_reads_the_pid_file(tmp_path: Path) -> None:
    node = AnvilNode(tmp_path)
    status = node.start()
    try:
        assert node.start() == status
        other_process_view = AnvilNode(tmp_path).status()
        assert other_process_view == status
        recorded = json.loads((tmp_path / "chain" / "anvil.json").read_text())
        assert recorded["pid"] == status.pid and recorded["url"] == status.url
    finally:
        node.stop()
    assert not (tmp_path / "chain" / "anvil.json").exists()
    assert AnvilNode(tmp_path).stop() is False


def test_connect_without_a_running_node_is_not_ready(tmp_path: Path) -> None:
    with pytest.raises(ChainUnavailableError, match="carbonledger chain start"):
        connect(Config(home=tmp_path, chain="embedded"), start_node=False)


def test_chain_cli_start_deploy_status_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONLEDGER_CHAIN", "embedded")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, ["--home", str(tmp_path), "chain", *args], catch_exceptions=False)
        return result.exit_code, result.output

    try:
        code, out = run("status", "--json")
        assert code == EXIT_NOT_READY, out
        code, out = run("start", "--json")
        assert code == 0, out
        pid = json.loads(out)["pid"]
        code, out = run("status")
        assert code == EXIT_NOT_READY and "chain deploy" in out
        code, out = run("deploy", "--json")
        assert code == 0, out
        deployed = json.loads(out)
        assert deployed["deployed"] is True and deployed["chain_id"] == 31337
        code, out = run("deploy", "--json")
        assert code == 0 and json.loads(out) == {**deployed, "deployed": False}
        code, out = run("status", "--json")
        status = json.loads(out)
        assert code == 0, out
        assert (status["address"], status["checkpoints"], status["latest"]) == (deployed["address"], 0, None)
        assert status["node"]["pid"] == pid
        saved = json.loads((tmp_path / "chain" / "deployment.json").read_text())
        assert saved["31337"]["address"] == deployed["address"]
    finally:
        code, out = run("stop")
    assert (code, out.strip()) == (0, "stopped")
    assert run("stop") == (0, "not running\n")


def test_chain_cli_refuses_to_start_a_non_embedded_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONLEDGER_CHAIN", "tester")
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "chain", "start"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "only the embedded chain" in result.output
