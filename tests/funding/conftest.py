from tests.projects.conftest import award, project  # noqa: F401 - fixtures
