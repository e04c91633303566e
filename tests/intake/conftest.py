"""The intake tests use the sales desk client (a logged-in rep)."""

from tests.sales.conftest import desk  # noqa: F401
