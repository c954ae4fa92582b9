"""Send a dashboard's tables as CSV or .xlsx, cells neutralised by spreadsheets/export.py."""
import re

from flask import request
from flask_login import current_user

from errors import bad_request
from spreadsheets.export import csv_bytes, downloaded_rows, file_response, requested_kind, xlsx_bytes


def send_tables(table_map, report, stem):
    """One table (?table=NAME) as CSV or .xlsx (?file=csv|xlsx), or every table as one workbook."""
    key, kind = request.args.get("table") or None, requested_kind(request.args)
    if key is not None and key not in table_map:
        raise bad_request(f"This dashboard has no table '{key[:40]}'; choose one of {', '.join(table_map)}.")
    if kind == "csv" and key is None:
        raise bad_request(f"A CSV file holds one table; add table= one of {', '.join(table_map)}.")
    scope = report["scope"]
    stem = f"{_slug(stem)}-{scope['from']}-to-{scope['to']}" + (f"-{key}" if key else "")
    chosen = [table_map[key]] if key else list(table_map.values())
    if kind == "csv":
        body = csv_bytes(chosen[0].header, _file_rows(chosen[0]))
    else:
        about = ("About", ["Item", "Value"], _about_rows(report))
        body = xlsx_bytes([about] + [(t.title, t.header, _file_rows(t)) for t in chosen])
    return file_response(kind, body, stem)


def _file_rows(table):
    """A table's rows for a file: a cell of several dates (a tuple) becomes ISO text, 2025-12-05, 2026-06-26."""
    if not any(isinstance(v, tuple) for row in table.rows[:1] for v in row):
        return table.rows  # only the trend table has such cells: every other table is sent as it is
    return [[", ".join(d.isoformat() for d in v) if isinstance(v, tuple) else v for v in row] for row in table.rows]


def _about_rows(report):
    threshold = 100 * report["threshold"]
    return [["Scope", report["scope"]["text"]], ["From", report["scope"]["from"]], ["To", report["scope"]["to"]],
            ["Engaged", f"attended more than {threshold:g}% of the sessions offered in the window"],
            ["Small groups", f"fewer than {report['small_group_min']} participants offered sessions: counts "
                             f"only, no percentages (marked n<5)"],
            ["Data as of", report["freshness"]["text"]], *downloaded_rows(current_user)]


def _slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "dashboard"
