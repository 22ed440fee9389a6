"""Background jobs any portal worker can report on: their state files, a per-process table, uploads."""
