"""The auditor's part of the portal: scoped audits run as background jobs, reports kept and proven.

``routes`` serves the pages under ``/auditor``, ``api`` the JSON API under ``/api/v1/audits``;
``jobs`` runs audits, ``reports`` keeps each finished report fixed by an ``audit_report``
record, ``pdf`` renders one, ``openapi`` describes the API.
"""
