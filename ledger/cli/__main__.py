"""``python -m ledger.cli``: the same command line as ``carbonledger``, for child processes."""

from ledger.cli import main

main()
