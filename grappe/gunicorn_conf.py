"""gunicorn's configuration for Grappe: ``gunicorn --config python:grappe.gunicorn_conf grappe.wsgi``.

Everything comes from the environment (docs/deployment.md). ``gthread`` workers: each of
GRAPPE_WEB_WORKERS processes serves GRAPPE_WEB_THREADS requests at once and keeps at most
DB_POOL_MAX_SIZE PostgreSQL connections in its pool, so the web tier never holds more than
workers × pool size connections, whatever the number of users.
"""

from __future__ import annotations

import os

from grappe.core.logs import json_formatter

bind = [address.strip() for address in os.environ.get("GRAPPE_BIND", "127.0.0.1:8000").split(",") if address.strip()]
worker_class = "gthread"
workers = int(os.environ.get("GRAPPE_WEB_WORKERS", "3"))
threads = int(os.environ.get("GRAPPE_WEB_THREADS", "4"))
timeout = int(os.environ.get("GRAPPE_WEB_TIMEOUT", "60"))  # a request running longer is killed and logged
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # each worker is replaced after this many requests (bounds slow leaks)
max_requests_jitter = 200
# The reverse proxy's address: only it may say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
proc_name = "grappe-web"


def post_worker_init(worker: object) -> None:
    """Each web worker reads the matchmaking indexes as it starts, in the background, so that the
    first challenge it matches answers as fast as the next ones (docs/partners.md, bench/README.md)."""
    from grappe.partners.index import preload_in_background

    preload_in_background()


if os.environ.get("LOG_FORMAT", "json" if os.environ.get("GRAPPE_ENV") == "production" else "text") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter(), "access": json_formatter(access=True)},
        "handlers": {
            "error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
        },
        "root": {"handlers": ["error"], "level": "WARNING"},
        "loggers": {
            "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
