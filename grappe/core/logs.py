"""JSON log lines (LOG_FORMAT=json): Django's records and gunicorn's access log, one object a line."""

from __future__ import annotations

from typing import Any

from pythonjsonlogger.json import JsonFormatter

# gunicorn's access-log atoms kept in each access line, under readable names.
ACCESS_FIELDS = {
    "h": "remote",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
    "{x-forwarded-for}i": "forwarded_for",
}
LOG_LINE = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s"  # plus "time": ISO 8601, UTC
RENAMED = {"levelname": "level", "name": "logger", "process": "pid"}


class AccessJsonFormatter(JsonFormatter):
    """gunicorn's access record as fields (status, path, duration…) rather than one Apache-style string."""

    def add_fields(self, log_record: dict[str, Any], record: Any, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_record, record, message_dict)
        atoms = record.args if isinstance(record.args, dict) else {}
        for atom, name in ACCESS_FIELDS.items():
            value = atoms.get(atom)
            if value not in (None, "-", ""):
                log_record[name] = int(value) if name in {"status", "bytes", "duration_ms"} else value
        log_record["message"] = f"{atoms.get('m', '')} {atoms.get('U', '')} {atoms.get('s', '')}".strip()


def json_formatter(access: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` formatter entry."""
    return {
        "()": AccessJsonFormatter if access else JsonFormatter,
        "fmt": JSON_FIELDS,
        "rename_fields": RENAMED,
        "timestamp": "time",
    }
