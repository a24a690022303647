from tests.projects.conftest import _media, award, late_in_project, project  # noqa: F401 - fixtures
