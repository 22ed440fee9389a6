"""``carbonledger log``: the log's size and root, and proofs over it."""

from __future__ import annotations

import click

from ledger import installation, merkle
from ledger.cli import EXIT_FAILED, main
from ledger.cli.invocation import current_config, echo_json, fail, user_errors


@main.command("log")
@click.option("--inclusion", "seq", type=int, metavar="SEQ", help="Inclusion proof of the record at SEQ.")
@click.option("--consistency", nargs=2, type=int, metavar="SIZE1 SIZE2", help="Consistency proof between two sizes.")
@click.option("--size", type=int, help="Tree size for --inclusion (default: current).")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def log_command(seq: int | None, consistency: tuple[int, int] | None, size: int | None, as_json: bool) -> None:
    """Show the log head, or prove a record's inclusion or two sizes' consistency.

    Every proof printed is also verified here, so a non-zero exit means the store
    produced a proof that does not hold.
    """
    ledger = installation.open_ledger(current_config())
    info = ledger.log_info()
    if seq is None and not consistency:
        data = {"size": info.size, "root": info.root.hex()}
        if as_json:
            echo_json(data)
        else:
            click.echo(f"size {info.size}\nroot {info.root.hex()}")
        return
    if seq is not None:
        record = ledger.record(seq)
        tree_size, proof = ledger.inclusion_proof(seq, size)
        root = ledger.root(tree_size)
        data = {"seq": seq, "tree_size": tree_size, "leaf_hash": record.leaf_hash.hex(), "root": root.hex(),
                "proof": [p.hex() for p in proof]}
        try:
            merkle.verify_inclusion(record.leaf_hash, seq, tree_size, proof, root)
            data["verified"] = True
        except merkle.ProofError as exc:
            data["verified"] = False
            data["error"] = str(exc)
    else:
        size1, size2 = consistency  # type: ignore[misc]
        proof = ledger.consistency_proof(size1, size2)
        root1, root2 = ledger.root(size1), ledger.root(size2)
        data = {"size1": size1, "size2": size2, "root1": root1.hex(), "root2": root2.hex(),
                "proof": [p.hex() for p in proof]}
        try:
            merkle.verify_consistency(size1, size2, root1, root2, proof)
            data["verified"] = True
        except merkle.ProofError as exc:
            data["verified"] = False
            data["error"] = str(exc)
    if as_json:
        echo_json(data)
    else:
        for k, v in data.items():
            if k == "proof":
                click.echo(f"proof ({len(v)} hashes)")
                for h in v:
                    click.echo(f"  {h}")
            else:
                click.echo(f"{k:<10} {v}")
    if not data["verified"]:
        fail(f"proof does not verify: {data.get('error')}", EXIT_FAILED, as_json=False)
