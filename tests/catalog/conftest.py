"""The sales desk's fixtures (a rep's client, drafts), for the pack-size tests."""

from tests.sales.conftest import desk, new_draft  # noqa: F401 (fixtures)
