"""The global audit log."""
