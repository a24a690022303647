from tests.projects.conftest import _media, award, project  # noqa: F401 - fixtures
