"""GS1 EPCIS 2.0 events: reading documents, checking their structure, the CBV 2.0 event hash ID.

Pure computation: nothing here touches the database, the network or the clock; the REST
binding in the portal turns these results into ledger records.
"""

from ledger.epcis.document import EPCIS_CONTEXT, EpcisDocument, check_event, parse_document, parse_time
from ledger.epcis.errors import EpcisCaptureLimitError, EpcisError, EpcisUnsupportedError
from ledger.epcis.event_hash import HASH_VERSION, event_hash_id, pre_hash_string

__all__ = [
    "EPCIS_CONTEXT", "HASH_VERSION", "EpcisCaptureLimitError", "EpcisDocument", "EpcisError", "EpcisUnsupportedError", "check_event",
    "event_hash_id", "parse_document", "parse_time", "pre_hash_string",
]
