"""deploy/systemd/ and deploy/nginx/ run as written: the same commands, started locally.

grappe-migrate, grappe-web (its ExecStartPre checks and static files, then gunicorn) and one
grappe-worker@ instance start from their unit files against this run's test database; nginx,
when installed, runs deploy/nginx/grappe.conf in front of them with a throwaway certificate.
What systemd itself adds (User=, sandboxing, restarts, notify) is not exercised here.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.deploy import servers

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.fixture(scope="module")
def deployed(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deployed")
    with django_db_blocker.unblock():
        database_url = servers.shared_database_url(tmp)
    port = servers.free_port(0)
    env = servers.production_env(
        tmp, database_url=database_url, bind=f"127.0.0.1:{port}", redis=servers.redis_available()
    )
    migrate, web, worker = (servers.unit(f"grappe-{name}.service") for name in ("migrate", "web", "worker@"))
    for line in migrate["ExecStart"] + web["ExecStartPre"]:
        servers.run(servers.command(line), env, tmp)
    processes = [
        servers.Process(servers.command(web["ExecStart"][0]), env, tmp, tmp / "web.log"),
        servers.Process(servers.command(worker["ExecStart"][0], instance="1"), env, tmp, tmp / "worker.log"),
    ]
    try:
        health = servers.wait_healthy(f"http://127.0.0.1:{port}/health/", processes[0])
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "env": env, "tmp": tmp, "health": health,
               "web": processes[0], "worker": processes[1]}  # fmt: skip
    finally:
        for process in processes:
            process.stop()


def test_units_read_the_documented_paths():
    web, worker = servers.unit("grappe-web.service"), servers.unit("grappe-worker@.service")

    assert web["EnvironmentFile"] == worker["EnvironmentFile"] == ["/etc/grappe/grappe.env"]
    assert web["ExecStart"] == ["/srv/grappe/.venv/bin/gunicorn --config python:grappe.gunicorn_conf grappe.wsgi"]
    assert worker["ExecStart"] == ["/srv/grappe/.venv/bin/grappe db_worker --no-reload --worker-id %H-%i"]


def test_web_unit_serves_a_healthy_grappe(deployed):
    status, _, _ = servers.get(deployed["url"] + "/health/")

    assert status == 200
    assert deployed["health"]["status"] == "ok"
    assert deployed["health"]["database"] == {"ok": True}
    assert deployed["health"]["queue"]["ok"] is True


def test_web_unit_redirects_plain_http_and_serves_pages_and_hashed_static_files(deployed):
    plain, headers, _ = servers.get(deployed["url"] + "/")
    status, page_headers, body = servers.get(deployed["url"] + "/", headers={"X-Forwarded-Proto": "https"})
    stylesheet = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', body).group(1).decode()
    css, css_headers, _ = servers.get(deployed["url"] + stylesheet, headers={"X-Forwarded-Proto": "https"})

    assert (plain, headers["Location"]) == (301, f"https://127.0.0.1:{deployed['port']}/")
    assert status == 200
    assert "Strict-Transport-Security" in page_headers
    assert css == 200
    assert "max-age=315360000" in css_headers["Cache-Control"]  # WhiteNoise: hashed names cached for good


def test_web_and_worker_units_log_json_lines(deployed):
    servers.get(deployed["url"] + "/health/?probe=json")

    # gunicorn writes its access line once the response is out: wait for it (bounded).
    deadline = time.monotonic() + 15
    while True:
        web_lines = servers.json_lines(deployed["web"].output())
        access = [line for line in web_lines if line.get("path") == "/health/" and line.get("query") == "probe=json"]
        if access or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    worker_lines = servers.json_lines(deployed["worker"].output())

    assert access and access[-1]["status"] == 200 and access[-1]["method"] == "GET"
    assert {"time", "level", "logger", "pid", "message"} <= set(access[-1])
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in web_lines)
    started = [line for line in worker_lines if line["message"].startswith("Starting worker")]
    assert started and f"worker_id={socket.gethostname()}-1" in started[0]["message"]


@pytest.fixture(scope="module")
def nginx(deployed):
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx): deploy/nginx/grappe.conf not exercised")
    tmp: Path = deployed["tmp"] / "nginx"
    (tmp / "logs").mkdir(parents=True)
    subprocess.run(
        [shutil.which("openssl") or "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=grappe.example.org",
         "-keyout", str(tmp / "privkey.pem"), "-out", str(tmp / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    http, https = servers.free_port(5), servers.free_port(10)
    site = (servers.DEPLOY / "nginx" / "grappe.conf").read_text(encoding="utf-8")
    site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)  # no IPv6 needed locally
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen 443 ", f"listen 127.0.0.1:{https} ")
    site = site.replace("server 127.0.0.1:8000 ", f"server 127.0.0.1:{deployed['port']} ")
    site = site.replace("/etc/ssl/grappe/", f"{tmp}/")
    (tmp / "grappe.conf").write_text(site, encoding="utf-8")
    (tmp / "nginx.conf").write_text(
        f"pid {tmp}/nginx.pid;\nerror_log {tmp}/logs/error.log;\nevents {{}}\n"
        f"http {{\n access_log {tmp}/logs/access.log;\n include {tmp}/grappe.conf;\n}}\n",
        encoding="utf-8",
    )
    argv = [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")]
    checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = servers.Process([*argv, "-g", "daemon off;"], deployed["env"], tmp, tmp / "nginx.out")
    try:
        servers.wait_healthy(f"http://127.0.0.1:{http}/health/", process)
        yield {"http": f"http://127.0.0.1:{http}", "https": f"https://127.0.0.1:{https}", "check": checked.stderr}
    finally:
        process.stop()


def test_nginx_config_passes_nginx_t_and_proxies_https_to_gunicorn(nginx):
    status, headers, body = servers.get(nginx["https"] + "/", headers={"Host": "grappe.example.org"})

    assert "syntax is ok" in nginx["check"]
    assert status == 200  # X-Forwarded-Proto: https reached Django: no redirect loop
    assert b"Grappe" in body or b"grappe" in body
    assert "Strict-Transport-Security" in headers


def test_nginx_sends_plain_http_to_https_but_lets_health_probes_through(nginx):
    redirect, headers, _ = servers.get(nginx["http"] + "/calls/", headers={"Host": "grappe.example.org"})
    health, _, body = servers.get(nginx["http"] + "/health/", headers={"Host": "grappe.example.org"})

    assert (redirect, headers["Location"]) == (301, "https://grappe.example.org/calls/")
    assert health == 200
    assert b'"status": "ok"' in body


def test_nginx_refuses_a_body_larger_than_the_upload_limit_before_receiving_it(nginx):
    import http.client
    import ssl

    context = ssl._create_unverified_context()  # noqa: S323 (the throwaway local certificate)
    host, port = nginx["https"].removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=20)
    connection.putrequest("POST", "/accounts/login/", skip_host=True)
    connection.putheader("Host", "grappe.example.org")
    connection.putheader("Content-Length", str(30 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()

    assert response.status == 413
