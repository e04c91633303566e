"""Reports over a period, computed from the event log and the order tables."""
