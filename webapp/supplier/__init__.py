"""The supplier's and carrier's part of the portal: forms, file uploads and their records (``/supplier``)."""
