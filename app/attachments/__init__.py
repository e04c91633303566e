"""Files attached to an order (the customer's PO, drawings, photos): checked by their bytes,
stored like issued documents (app/documents/store.py), listed on the order page, removed only
from view (the bytes stay on record until retention replaces them)."""
