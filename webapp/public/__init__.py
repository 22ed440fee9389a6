"""What anyone may see without logging in: search, an order's journey, footprint and proofs."""
