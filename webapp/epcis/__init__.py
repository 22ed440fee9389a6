"""The GS1 EPCIS 2.0 REST binding under ``/epcis`` (capture, capture jobs, event queries).

The EPCIS logic that needs no HTTP (documents, event hash IDs, EPC matching) is
:mod:`ledger.epcis`; this package turns it into the binding's requests and answers.
"""
