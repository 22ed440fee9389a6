"""The general JSON API under ``/api/v1`` (orders, records, proofs, search) and the OpenAPI document."""
