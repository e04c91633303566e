"""Escalations: orders someone, or an SLA rule, asked the manager to look at."""
