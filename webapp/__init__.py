"""The CarbonLedger portal: suppliers submit, consumers look up, auditors verify, admins run it.

Grouped by audience and standard (``public``, ``supplier``, ``auditor``, ``admin``,
``account``, ``api``, ``epcis``, ``pact``), each package holding its routes, its part of
the OpenAPI document and its templates; ``app`` builds the Flask app (``create_app``).
Importing this package loads nothing: the ``carbonledger`` command finds the portal's
commands and migrations through entry points without starting Flask.
"""
