from tests.api.conftest import _media, api_client, world  # noqa: F401  (the same small cluster)
