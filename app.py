"""The application factory: configuration, extensions, blueprints, error pages and commands."""
import os

from flask import Flask
from flask_login import current_user

import security
from config import load_config
from extensions import csrf, db, login_manager
from ops import faults

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def create_app(config=None, pages=True):
    """Build the app; `config` is a mapping applied last (tests use it).

    `pages=False` leaves out the pages, API, error pages and commands: an import's child process needs only
    the models and their listeners, and starts in half the time without them (each upload pays it).
    """
    # IMR_INSTANCE_PATH moves instance/ (the SQLite file and instance/config.py) elsewhere.
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("IMR_INSTANCE_PATH"))
    load_config(app, config)
    register_extensions(app, migrations=pages)
    register_models()
    if pages:
        security.init_app(app)  # before the blueprints: their URL rules take its id converter
        register_blueprints(app)
        register_errorhandlers(app)
        register_commands(app)
        register_template_context(app)
        from ops.web import init_app as init_ops  # here: /healthz loads Alembic, which an import's child needs not
        init_ops(app)
    return app


def register_extensions(app, migrations=True):
    db.init_app(app)
    faults.init_app(app)  # every process's pooled connections: checked at checkout, limited in web requests, a few
    # statements prepared (dashboards/prepared.py)
    if migrations:  # Flask-Migrate loads Alembic: half the start of an import's child, which migrates nothing
        from flask_migrate import Migrate
        Migrate(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import abort, flash, redirect, request, url_for
        if request.path.startswith("/api/"):
            abort(401)
        flash("Please sign in to continue.", "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.query_string else request.path))


def register_blueprints(app):
    from admin.views import bp as admin_bp
    from api.org import bp as api_org_bp
    from auth import init_app as init_auth
    from auth.views import bp as auth_bp
    from dashboards.api import bp as api_dashboards_bp
    from dashboards.assets import bp as assets_bp
    from dashboards.views import bp as dashboards_bp
    from imports.api import bp as api_imports_bp
    from imports.views import bp as imports_bp
    from org.views import bp as org_bp
    from org.goal_views import api_bp as api_goals_bp, bp as goals_bp
    from fidelity.blueprints import BLUEPRINTS as fidelity_bps
    from scheduling.api import bp as api_scheduling_bp
    from scheduling.views import bp as scheduling_bp

    for bp in (auth_bp, org_bp, admin_bp, api_org_bp, assets_bp, *fidelity_bps, dashboards_bp, api_dashboards_bp,
               scheduling_bp, api_scheduling_bp, imports_bp, api_imports_bp):
        app.register_blueprint(bp)
    for bp in (goals_bp, api_goals_bp):  # goal tracking: participant pages and goal counts
        app.register_blueprint(bp)
    init_auth(app)
    from dashboards import alongside
    alongside.init_app(app)  # a dashboard's numbers statement the page did not collect is stopped at teardown


def register_models():
    import fidelity.models  # noqa: F401  (so migrations see every table)
    import dashboards.summary_listeners  # noqa: F401  (the summary tables, and the listeners that keep them current)
    import imports.models  # noqa: F401
    import ops.heartbeat  # noqa: F401  (process_heartbeat)


def register_errorhandlers(app):
    from errors import register_errorhandlers as register
    register(app)


def register_commands(app):
    from auth.cli import create_user_command
    from dashboards.cli import engagement_refresh_command
    from demo.cli import demo_data_command
    from fidelity.scales.cli import check_scales_command
    from imports.cli import import_command, worker_command
    from models.cli import init_db_command
    from ops.backup_cli import backup_command, restore_command
    from scheduling.cli import scheduler_command

    for command in (init_db_command, create_user_command, demo_data_command, check_scales_command,
                    engagement_refresh_command, scheduler_command, import_command, worker_command,
                    backup_command, restore_command):
        app.cli.add_command(command)


def register_template_context(app):
    from navigation import nav_for

    menus = {}  # {role: its menu}: who sees an entry depends on the role alone (auth/permissions.py)

    @app.context_processor
    def navigation():
        if not current_user.is_authenticated:
            return {"nav_items": []}
        role = current_user.role
        if role not in menus:
            menus[role] = nav_for(current_user, app.view_functions)
        return {"nav_items": menus[role]}

    from ops import static_versions
    static_versions.init_app(app)
    import date_text
    date_text.init_app(app)
    from scoring.fidelity import band_edge
    app.add_template_filter(band_edge, "band_edge")  # a scale's cut-offs, written alike on every page
    import fixed_urls
    fixed_urls.init_app(app)
