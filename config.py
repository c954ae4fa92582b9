"""Configuration: defaults, then instance/config.py, then the environment, then a test mapping."""
import os

from local_day import zone_named

DEFAULT_SECRET_KEY = "dev-only-change-me"
SMTP_SECURITY_CHOICES = ("none", "starttls", "ssl")

# One row per setting read from the environment: (env var, config key, converter).
ENVIRONMENT_SETTINGS = [
    ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", str),
    ("SECRET_KEY", "SECRET_KEY", str),
    ("IMR_ENV", "ENV_NAME", str),
    ("MAX_UPLOAD_MB", "MAX_CONTENT_LENGTH", lambda v: int(float(v) * 1024 * 1024)),
    ("ENGAGEMENT_THRESHOLD", "ENGAGEMENT_THRESHOLD", float),
    ("SMTP_HOST", "SMTP_HOST", str),
    ("SMTP_PORT", "SMTP_PORT", int),
    ("SMTP_SENDER", "SMTP_SENDER", str),
    ("SCHEDULER_DAILY_AT", "SCHEDULER_DAILY_AT", str),
    ("IMR_TIME_ZONE", "TIME_ZONE", str),
    ("SMTP_TIMEOUT", "SMTP_TIMEOUT", float),
    ("IMPORT_CHECKED_EXPIRE_DAYS", "IMPORT_CHECKED_EXPIRE_DAYS", int),
    ("SMTP_SECURITY", "SMTP_SECURITY", str),
    ("SMTP_USERNAME", "SMTP_USERNAME", str),
    ("SMTP_PASSWORD", "SMTP_PASSWORD", str),
    ("SMTP_CA_FILE", "SMTP_CA_FILE", str),
    ("SERVICE_URL", "SERVICE_URL", str),
    ("IMPORT_MAX_SHEET_CELLS", "IMPORT_MAX_SHEET_CELLS", int),
    ("IMPORT_MAX_SHEET_COLUMNS", "IMPORT_MAX_SHEET_COLUMNS", int),
    ("IMPORT_MEMORY_LIMIT_MB", "IMPORT_MEMORY_LIMIT_MB", int),
    ("IMPORT_TIME_LIMIT_SECONDS", "IMPORT_TIME_LIMIT_SECONDS", float),
    ("IMPORT_HEARTBEAT_SECONDS", "IMPORT_HEARTBEAT_SECONDS", float),
    ("IMPORT_STALE_SECONDS", "IMPORT_STALE_SECONDS", float),
    ("IMPORT_POLL_SECONDS", "IMPORT_POLL_SECONDS", float),
    ("REQUIRE_2FA", "REQUIRE_2FA", lambda v: _flag("REQUIRE_2FA", v)),
    ("SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES", float),
    ("TRUSTED_PROXIES", "TRUSTED_PROXIES", int),
    ("IMPORT_NICENESS", "IMPORT_NICENESS", int),
    ("DATABASE_CONNECT_TIMEOUT", "DATABASE_CONNECT_TIMEOUT", int),
    ("DATABASE_STATEMENT_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT", float),
    ("DATABASE_BUSY_TIMEOUT", "DATABASE_BUSY_TIMEOUT", float),
    ("DATABASE_RETRY_AFTER", "DATABASE_RETRY_AFTER", int),
    ("DATABASE_STALL_GRACE", "DATABASE_STALL_GRACE", float),
    ("DATABASE_KEEPALIVE_IDLE", "DATABASE_KEEPALIVE_IDLE", int),
    ("DATABASE_TCP_USER_TIMEOUT", "DATABASE_TCP_USER_TIMEOUT", float),
    ("LOG_FORMAT", "LOG_FORMAT", str),
    ("SLOW_REQUEST_SECONDS", "SLOW_REQUEST_SECONDS", float),
    ("HEARTBEAT_SECONDS", "HEARTBEAT_SECONDS", float),
    ("TOTP_KEY", "TOTP_KEY", str),
]


class Defaults:
    """Settings every install starts from; production overrides the secret and the database."""

    ENV_NAME = None  # from IMR_ENV: development, test or production; no default, so nothing starts by mistake
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/imr.sqlite3 when left empty
    SQLALCHEMY_ENGINE_OPTIONS = {}  # pool_pre_ping: see engine_options
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # a site visit day, then sign in again
    SESSION_REFRESH_EACH_REQUEST = False  # the 8 hours count from signing in, not from the last click
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # uploads larger than this are refused with a page
    SESSION_IDLE_MINUTES = 30  # a session unused this long ends (the 8 hours above still end it anyway)
    REQUIRE_2FA = None  # admins and trainers must use a second factor; None: on in production only
    TOTP_KEY = None  # seals two-factor secrets at rest (auth/totp_at_rest.py); unset: derived from SECRET_KEY
    TRUSTED_PROXIES = 0  # proxies in front of the app whose X-Forwarded-For gives the client address
    # Failed sign-ins: these many pass without delay, then each further attempt waits twice as long as the
    # last (from SIGNIN_FIRST_DELAY_SECONDS up to SIGNIN_MAX_DELAY_SECONDS); never a lock. auth/throttle.py
    SIGNIN_FREE_FAILURES = 5  # per account (and per browser that signed in to it before)
    SIGNIN_ADDRESS_FREE_FAILURES = 20  # per client address, whichever accounts it tries
    SIGNIN_FIRST_DELAY_SECONDS = 2
    SIGNIN_MAX_DELAY_SECONDS = 15 * 60
    SIGNIN_FORGET_AFTER_SECONDS = 24 * 3600  # failures this old no longer count
    ENGAGEMENT_THRESHOLD = 0.5  # "more than 50% of sessions offered"
    SMALL_GROUP_MIN = 5  # groups below this show counts but no percentages
    GOAL_REVIEW_DAYS = 30  # a goal not reviewed in this many days is overdue; fidelity item 7's window
    DASHBOARD_STALE_DAYS = 14  # a team whose newest session is older is marked "no recent sessions uploaded"
    DASHBOARD_FISCAL_YEAR_START_MONTH = 7  # "this fiscal year" on the dashboards starts on the 1st of this month
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_SENDER = "imr-service@localhost"
    SCHEDULER_DAILY_AT = "06:00"
    # The state's IANA time zone (America/New_York): when "today" turns over for due dates, reminders, the
    # dashboards' windows and the future-date checks, and the zone of SCHEDULER_DAILY_AT. None: the machine's.
    TIME_ZONE = None
    # Extra fidelity scale files (TOML) a state adds without code changes; None means instance/scales/.
    FIDELITY_SCALES_DIR = None
    SMTP_TIMEOUT = 10.0  # seconds before a silent SMTP server counts as down (the reminder stays pending)
    SMTP_SECURITY = "none"  # "starttls" (port 587) or "ssl" (port 465): encrypted; required to sign in
    SMTP_USERNAME = None  # sign in to the relay when set
    SMTP_PASSWORD = None
    SMTP_CA_FILE = None  # a CA certificate (PEM) to trust for the relay besides the system's, e.g. a state CA
    SERVICE_URL = None  # e.g. https://imr.example.org: reminder emails link to pages under it
    # Imports: the web process only records an upload (or a commit request) in its import_batch row; an
    # import worker process (`flask --app app worker`) checks and writes it in a child process with these
    # limits, and the page polls the row. Tests set IMPORTS_IN_BACKGROUND = False to run an import inside the
    # request instead (test-only). (MAX_CONTENT_LENGTH above: a 500k-row attendance workbook saved by Excel
    # is about 13-15 MB, so 20 MB is enough.)
    IMPORTS_IN_BACKGROUND = True
    # A sheet's extent (last row x last column, empty cells included) is what the reader sets out in memory,
    # about 32 bytes a cell: sheets beyond these are refused before reading (15 million: about 480 MiB).
    IMPORT_MAX_SHEET_CELLS = 15_000_000
    IMPORT_MAX_SHEET_COLUMNS = 200
    IMPORT_MEMORY_LIMIT_MB = 1024  # address space of the child reading one file (a 500k-row sheet: ~450 MiB)
    IMPORT_TIME_LIMIT_SECONDS = 600.0  # then the child is killed and the batch fails
    IMPORT_HEARTBEAT_SECONDS = 5.0  # how often a worker marks the batch it runs as alive
    IMPORT_STALE_SECONDS = 60.0  # a batch whose worker is silent this long is requeued once, then failed
    IMPORT_POLL_SECONDS = 1.0  # how often an idle worker looks for work
    IMPORT_NICENESS = 10  # the child reading a file yields the CPU to pages (0: same priority as the web)
    IMPORT_WAITING_HINT_SECONDS = 5.0  # a batch untaken this long shows "waiting for a worker"
    IMPORT_CHECKED_EXPIRE_DAYS = 7  # a checked import left uncommitted this long expires (its preview is stale)
    # A database that is down or hangs must free web workers in seconds (gunicorn kills them at 30 s).
    DATABASE_CONNECT_TIMEOUT = 5  # seconds to open a PostgreSQL connection (libpq counts at least 2)
    DATABASE_STATEMENT_TIMEOUT = 15.0  # seconds one statement of a web request may run (0: no limit)
    DATABASE_BUSY_TIMEOUT = 5.0  # SQLite: seconds a write waits for another process's write lock
    # A server that stops answering (frozen, or the network drops packets) sends no statement timeout: the client
    # cuts a web request's statement this many seconds after it (ops/stall_guard.py), and the TCP options
    # below let the kernel give up on a silent peer (libpq keepalives: idle, then 3 probes 2 s apart).
    DATABASE_STALL_GRACE = 2.0
    DATABASE_KEEPALIVE_IDLE = 5  # seconds an idle connection waits before its first keepalive probe
    DATABASE_TCP_USER_TIMEOUT = 30.0  # seconds data sent may go unacknowledged before the connection is dropped
    DATABASE_RETRY_AFTER = 30  # Retry-After (seconds) on the 503 sent while the database is unreachable
    LOG_FORMAT = "text"  # "json": one JSON object a line, for log collectors
    SLOW_REQUEST_SECONDS = 1.0  # requests slower than this are logged as slow, with their route
    HEARTBEAT_SECONDS = 15.0  # how often the worker and the scheduler say they are alive (/healthz shows it)


def load_config(app, test_config=None):
    """Fill app.config in the documented order and check it is safe to run."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)  # instance/config.py
    for env_name, key, convert in ENVIRONMENT_SETTINGS:
        if os.environ.get(env_name):
            app.config[key] = convert(os.environ[env_name])
    if test_config:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "imr.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgres://"):
        # Heroku-style URLs name a dialect SQLAlchemy no longer accepts.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://" + app.config["SQLALCHEMY_DATABASE_URI"][len("postgres://"):]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + app.config["SQLALCHEMY_DATABASE_URI"][len("postgresql://"):]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if app.config["SMTP_SECURITY"] not in SMTP_SECURITY_CHOICES:
        raise RuntimeError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_CHOICES)}, not "
                           f"'{app.config['SMTP_SECURITY']}'.")
    if app.config["SMTP_USERNAME"] and app.config["SMTP_SECURITY"] == "none":
        raise RuntimeError("SMTP_USERNAME is set but SMTP_SECURITY is 'none': the password would cross the "
                           "network in clear. Set SMTP_SECURITY to starttls or ssl.")
    zone_named(app.config["TIME_ZONE"])  # an unknown zone name stops the start here, not at the first "today"
    check_environment(app.config)


ENVIRONMENTS = ("development", "test", "production")
SECRET_KEY_MIN_LENGTH = 32
_PLACEHOLDER_WORDS = ("change", "secret", "default", "example", "password", "dev-only", "production")


def _flag(name, value):
    words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
    if value.strip().lower() not in words:
        raise RuntimeError(f"{name} must be true or false (1/0, yes/no, on/off), not '{value}'.")
    return words[value.strip().lower()]


def secret_key_problem(key) -> str | None:
    """Why a SECRET_KEY is unfit outside development and test, or None when it looks random enough."""
    text = key.decode("latin-1") if isinstance(key, bytes) else (key or "")
    if len(text) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(text)} characters and needs at least {SECRET_KEY_MIN_LENGTH}"
    if text == DEFAULT_SECRET_KEY or any(word in text.lower() for word in _PLACEHOLDER_WORDS):
        return "it is a placeholder, not a random value"
    if len(set(text)) < 10 or any(text == text[:n] * (len(text) // n) + text[:len(text) % n] for n in range(1, 9)):
        return "it repeats a few characters, not a random value"
    return None


def check_environment(config):
    """Refuse to start unless IMR_ENV names a known environment and production has a real secret key."""
    env = config["ENV_NAME"]
    if env not in ENVIRONMENTS:
        said = "is not set" if env in (None, "") else f"is '{env}'"
        raise RuntimeError(f"IMR_ENV {said}: set it to one of {', '.join(ENVIRONMENTS)} (exactly, lower case). "
                           "`make run` sets development; a server sets production.")
    if config["REQUIRE_2FA"] is None:
        config["REQUIRE_2FA"] = env == "production"
    if not config["SESSION_IDLE_MINUTES"] > 0 or config["TRUSTED_PROXIES"] < 0:
        raise RuntimeError("SESSION_IDLE_MINUTES must be more than 0 and TRUSTED_PROXIES 0 or more.")
    if env == "production":
        problem = secret_key_problem(config["SECRET_KEY"])
        if problem:
            raise RuntimeError(f"Refusing to start in production: SECRET_KEY is unfit ({problem}). Set it to at "
                               "least 32 random bytes, e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'.")
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True


def engine_options(config) -> dict:
    """The engine options with the connect and lock timeouts of the configured database added."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args", {}))
    url = config["SQLALCHEMY_DATABASE_URI"]
    # A pooled connection is checked before use: on PostgreSQL by looking at its socket (ops/faults.py), where
    # pool_pre_ping cost a round trip per checkout; elsewhere by pre-ping (in-process for SQLite: no round trip).
    options.setdefault("pool_pre_ping", not url.startswith("postgresql"))
    # A failed statement's error text lists the values it carried (client codes, goal wording, names): SQLAlchemy's
    # own switch keeps them out of every log line and traceback, the statement itself stays.
    options.setdefault("hide_parameters", True)
    if url.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", config["DATABASE_CONNECT_TIMEOUT"])
        # Every statement planned for its own values, as before GET requests ran in autocommit (ops/faults.py): a
        # ROLLBACK made psycopg forget what it had prepared; without one it would prepare a statement run five times
        # on a connection, and the server might settle on one generic plan for every team and window. The few
        # statements whose planning costs as much as their running are prepared when asked (dashboards/prepared.py).
        connect_args.setdefault("prepare_threshold", None)
        # Client-side TCP limits (libpq): a dead network or peer ends the connection instead of a worker's wait.
        for name, value in (("keepalives", 1), ("keepalives_idle", config["DATABASE_KEEPALIVE_IDLE"]),
                            ("keepalives_interval", 2), ("keepalives_count", 3),
                            ("tcp_user_timeout", int(config["DATABASE_TCP_USER_TIMEOUT"] * 1000))):
            connect_args.setdefault(name, value)
    elif url.startswith("sqlite"):
        connect_args.setdefault("timeout", config["DATABASE_BUSY_TIMEOUT"])
    # The statement timeout is set per web request (ops/faults.py): imports and migrations may run longer.
    return {**options, "connect_args": connect_args}
