"""Retention: records are kept at least RETENTION_MONTHS (12 at least); past that, the
customer's personal data on closed orders is removed and the business record stays."""

from app.retention.purge import PurgeReport, purge, retention_months

__all__ = ["PurgeReport", "purge", "retention_months"]
