import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The unread counts are cached per person id, and ids come back from one test to the next."""
    cache.clear()
    yield
    cache.clear()
