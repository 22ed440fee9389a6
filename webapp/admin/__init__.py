"""The admin's part of the portal: participants, users, keys, anchoring and chain health.

``routes`` serves the pages under ``/admin``, ``api`` their JSON twins under
``/api/v1/admin``, ``openapi`` describes those in the OpenAPI document.
"""
