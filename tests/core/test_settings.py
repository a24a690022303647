"""Settings behave as documented: production refuses a missing SECRET_KEY and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "GRAPPE_ENV", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "grappe", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, check=False
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _run(["check"], GRAPPE_ENV="production", GRAPPE_VAR_DIR=str(tmp_path))

    assert result.returncode == 1
    assert "SECRET_KEY is not set. In production Grappe refuses to start without it" in result.stderr


def test_production_settings_pass_check_deploy(tmp_path):
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        GRAPPE_ENV="production",
        SECRET_KEY="x" * 20 + "-a-long-and-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="grappe.example.org",
        GRAPPE_VAR_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/2",  # not connected to by the checks
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    first = _run(
        ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], GRAPPE_VAR_DIR=str(tmp_path)
    )
    second = _run(
        ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"], GRAPPE_VAR_DIR=str(tmp_path)
    )

    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_cli_accepts_dashed_command_names(tmp_path):
    result = _run(["seed-demo", "--help"], GRAPPE_VAR_DIR=str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "Load the demo cluster" in result.stdout


def test_settings_use_paris_time_and_french_first():
    from django.conf import settings

    assert (settings.TIME_ZONE, settings.USE_TZ, settings.LANGUAGES[0][0]) == ("Europe/Paris", True, "fr")


def test_site_url_defaults_to_the_port_the_demo_serves_on(tmp_path):
    script = "from django.conf import settings; print(settings.SITE_URL)"

    default = _run(["shell", "-c", script], GRAPPE_VAR_DIR=str(tmp_path))
    on_8100 = _run(["shell", "-c", script], GRAPPE_VAR_DIR=str(tmp_path), GRAPPE_PORT="8100")
    explicit = _run(
        ["shell", "-c", script], GRAPPE_VAR_DIR=str(tmp_path), GRAPPE_PORT="8100", SITE_URL="https://g.example/"
    )

    assert default.stdout.splitlines()[-1] == "http://127.0.0.1:8000"
    assert on_8100.stdout.splitlines()[-1] == "http://127.0.0.1:8100"
    assert explicit.stdout.splitlines()[-1] == "https://g.example"


def test_make_serve_passes_the_port_and_turns_debug_off():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")

    assert "serve: export GRAPPE_PORT = $(PORT)" in makefile
    assert "DEBUG ?= 0" in makefile


def test_without_debug_static_files_are_served_and_errors_are_styled(client, settings, db):
    settings.DEBUG = False

    css = client.get("/static/css/grappe.css")
    missing = client.get("/no-such-page/")

    assert css.status_code == 200
    assert b"".join(css.streaming_content).startswith(b"/* Grappe")
    assert missing.status_code == 404
    assert 'class="error-code"' in missing.content.decode()
    assert "URLconf" not in missing.content.decode()
