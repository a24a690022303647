"""Load scenarios (locust) against a gunicorn server on the demo data; see bench/README.md."""
