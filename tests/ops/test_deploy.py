"""deploy/ says what the README says: the same commands, address, paths and limits (parsed from both, so the
test holds no copy of the facts); `systemd-analyze verify` and `nginx -t` accept the files where installed."""
import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

from config import ENVIRONMENT_SETTINGS, Defaults

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
UNITS = {"web": "imr-web.service", "worker": "imr-worker.service", "scheduler": "imr-scheduler.service"}


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def _unit(name):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string(_read("deploy", name))
    return parser


def _readme_section(title):
    text = _read("README.md")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def _readme_commands():
    """{process: argv} from the shell block of "Running in production"."""
    block = re.search(r"```sh\n(.*?)```", _readme_section("Running in production"), re.S).group(1)
    found = {}
    for line in block.splitlines():
        argv = shlex.split(line, comments=True)
        if argv and argv[0].endswith("/gunicorn"):
            found["web"] = argv
        elif argv[-1:] in (["worker"], ["scheduler"]) and "--app" in argv:
            found[argv[-1]] = argv
    return found


def _gunicorn_option(argv, name, default):
    return argv[argv.index(name) + 1] if name in argv else default


def _nginx():
    text = re.sub(r"#[^\n]*", "", _read("deploy", "nginx-imr.conf"))
    return text


def _directive(text, name):
    values = re.findall(rf"(?:^|[\s;{{]){name}\s+([^;]+);", text)
    assert values, f"nginx-imr.conf has no {name}"
    return values


def _nginx_location(text, prefix):
    match = re.search(rf"location\s+{re.escape(prefix)}\s*\{{(.*?)\}}", text, re.S)
    assert match, f"nginx-imr.conf has no location {prefix}"
    return match.group(1)


def _size(value):
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].lower() in units else int(value)


def _seconds(value):
    return int(value[:-1]) * {"s": 1, "m": 60}[value[-1]] if value[-1] in "sm" else int(value)


def test_units_run_the_commands_the_readme_documents():
    readme = _readme_commands()
    assert set(readme) == set(UNITS), readme
    for process, name in UNITS.items():
        service = _unit(name)["Service"]
        argv = shlex.split(service["ExecStart"])
        # The README runs from the checkout (.venv/bin/...); the unit from its WorkingDirectory.
        assert argv[0] == os.path.join(service["WorkingDirectory"], readme[process][0]), (name, argv)
        assert argv[1:] == readme[process][1:], (name, argv)


def test_every_process_restarts_on_failure_within_a_memory_ceiling():
    for name in UNITS.values():
        service = _unit(name)["Service"]
        assert service["Restart"] == "on-failure" and service["MemoryMax"], name
        assert _unit(name)["Install"]["WantedBy"] == "multi-user.target"
    # The worker's ceiling leaves room for one import child at its own limit.
    assert _size(_unit(UNITS["worker"])["Service"]["MemoryMax"]) > Defaults.IMPORT_MEMORY_LIMIT_MB * 1024 ** 2


def test_nginx_proxies_to_gunicorn_with_the_apps_limits():
    nginx = _nginx()
    web = shlex.split(_unit(UNITS["web"])["Service"]["ExecStart"])
    upstream = re.search(r"upstream\s+\w+\s*\{(.*?)\}", nginx, re.S).group(1)
    assert _directive(upstream, "server") == [_gunicorn_option(web, "--bind", None)]
    assert [_size(v) for v in _directive(nginx, "client_max_body_size")] == [Defaults.MAX_CONTENT_LENGTH]
    from gunicorn.config import Config
    worker_timeout = int(_gunicorn_option(web, "--timeout", Config().timeout))
    app_location = _nginx_location(nginx, "/")
    assert _seconds(_directive(app_location, "proxy_read_timeout")[0]) > worker_timeout
    static = _nginx_location(nginx, "/static/")
    working_directory = _unit(UNITS["web"])["Service"]["WorkingDirectory"]
    from app import create_app
    static_folder = os.path.relpath(create_app({"TESTING": True}).static_folder, ROOT)
    assert _directive(static, "alias") == [os.path.join(working_directory, static_folder) + "/"]
    assert _directive(static, "expires") == ["1y"] and _directive(static, "gzip") == ["on"]
    assert "gzip" not in app_location  # pages with CSRF tokens are not compressed (BREACH)


def test_the_environment_file_names_only_documented_settings_and_writable_paths():
    settings = dict(line.split("=", 1) for line in _read("deploy", "imr.env.example").splitlines()
                    if line and not line.startswith("#"))
    documented = set(re.findall(r"^\| `([A-Z_]+)`", _readme_section("Configuration"), re.M))
    read_by_config = {env for env, _, _ in ENVIRONMENT_SETTINGS} | {"IMR_INSTANCE_PATH"}
    assert set(settings) <= documented & read_by_config, set(settings) - (documented & read_by_config)
    for name in (*UNITS.values(), "imr-backup.service"):
        service = _unit(name)["Service"]
        assert service["EnvironmentFile"] in _read("deploy", "imr.env.example").splitlines()[0], name
    for name in UNITS.values():
        assert settings["IMR_INSTANCE_PATH"] in _unit(name)["Service"]["ReadWritePaths"].split(), name
    # deploy/ puts exactly one proxy (nginx) in front of gunicorn, as the README's command says to count.
    behind_one = re.search(r"behind one proxy: TRUSTED_PROXIES=(\d+)", _readme_section("Running in production"))
    assert settings["TRUSTED_PROXIES"] == behind_one.group(1)


def test_the_backup_timer_keeps_what_the_readme_promises():
    script = _read("deploy", "imr-backup.sh")
    assert "flask --app app backup" in script
    promised = re.search(r"keeping the newest (\d+)", _readme_section("Running in production")).group(1)
    assert re.search(r"IMR_BACKUP_KEEP:-(\d+)", script).group(1) == promised
    backup_dir = re.search(r"IMR_BACKUP_DIR:-([^}]+)", script).group(1)
    service = _unit("imr-backup.service")["Service"]
    assert service["ReadWritePaths"] == backup_dir
    assert service["ExecStart"] == os.path.join(service["WorkingDirectory"], "deploy", "imr-backup.sh")
    assert _unit("imr-backup.timer")["Timer"]["OnCalendar"]


def _local_copy(tmp_path, name):
    """The unit with its install paths pointed at this checkout and virtualenv, so verify finds the programs."""
    text = _read("deploy", name)
    install = _unit(UNITS["web"])["Service"]["WorkingDirectory"]
    text = text.replace(f"{install}/.venv/bin", os.path.dirname(sys.executable)).replace(install, ROOT)
    text = re.sub(r"^(User|Group)=.*$", "", text, flags=re.M)  # the imr account exists only on the server
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    names = [*UNITS.values(), "imr-backup.service", "imr-backup.timer"]
    paths = [_local_copy(tmp_path, name) for name in names]
    done = subprocess.run(["systemd-analyze", "verify", *paths], capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines() if "imr-" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_nginx_logs_no_query_string():
    # /teams/3?search=A001: a search or filter may carry a client code; people outside the agency read the logs.
    nginx = _nginx()
    formats = {name: re.sub(r"'\s+'", "", body) for name, body in re.findall(r"log_format\s+(\w+)\s+([^;]+);", nginx)}
    logged = [value.split() for value in _directive(nginx, "access_log") if value.strip() != "off"]
    assert len(logged) == len(re.findall(r"\bserver\s*\{", nginx)), "each server names its access log's format"
    for _path, name in logged:
        assert not re.search(r"\$(request|request_uri|args|query_string|arg_\w+)\b", formats[name]), formats[name]


def test_nginx_errors_go_to_the_sites_own_log_whose_keeping_the_checklist_says():
    # nginx's error lines name the request line whole, query string included, and no level drops them yet keeps
    # upstream errors: the site's errors go to a file of their own, and the checklist says who reads it, how long.
    nginx = _nginx()
    logs = [value.split() for value in _directive(nginx, "error_log")]
    assert len(logs) == len(re.findall(r"\bserver\s*\{", nginx)), "each server names its error log"
    assert {path for path, *_level in logs} == {"/var/log/nginx/imr-error.log"}
    checklist = " ".join(_read("deploy", "CHECKLIST.md").split())
    assert all(fact in checklist for fact in ("imr-error.log", "install -m 0640", "rotate 14")), checklist


@pytest.mark.skipif(not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")) or not shutil.which("openssl"),
                    reason="nginx or openssl is not installed")
def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=imr.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    site = _read("deploy", "nginx-imr.conf")
    site = re.sub(r"ssl_certificate\s+[^;]+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+[^;]+;", f"ssl_certificate_key {key};", site)
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")  # nginx -t opens (creates) the logs it names
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_static_urls_carry_their_files_digest_so_a_years_cache_is_safe(sqlite_app):
    import hashlib
    page = sqlite_app.test_client().get("/sign-in").get_data(as_text=True)
    with open(os.path.join(sqlite_app.static_folder, "css", "app.css"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    assert f'href="/static/css/app.css?v={digest}"' in page
    client = sqlite_app.test_client()
    stamped = client.get(f"/static/css/app.css?v={digest}")
    # Cached for a year by the app too (as nginx does), so gunicorn alone does not hold the CSS for a 304.
    assert stamped.status_code == 200 and stamped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for other in ("", "?v=000000000000"):  # not the current content's URL: asked again each time, as before
        assert client.get(f"/static/css/app.css{other}").headers["Cache-Control"] == "no-cache"


def test_a_static_name_outside_the_folder_is_never_read_for_its_digest(sqlite_app, tmp_path, monkeypatch):
    import hashlib
    secret = tmp_path / "outside.txt"
    secret.write_bytes(b"not a static file")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()[:12]
    relative = os.path.relpath(secret, sqlite_app.static_folder)
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    client = sqlite_app.test_client()
    response = client.get(f"/static/{relative}?v={digest}")  # a guess at the digest of a file outside static/
    assert response.status_code == 404 and "immutable" not in response.headers.get("Cache-Control", "")
    assert not any(path.endswith("outside.txt") for path in opened)
    assert client.get("/static/css/app%00.css?v=0").status_code == 404  # a NUL in the name: 404, not 500


def test_every_nginx_location_with_headers_of_its_own_keeps_hsts():
    # nginx gives a location that has add_header of its own none of the server's: each must repeat HSTS, with the
    # app's value; the proxied location hides the app's header, so a page carries one.
    from security.headers import HSTS
    text = _nginx()
    assert set(re.findall(r'add_header\s+Strict-Transport-Security\s+"([^"]*)"', text)) == {HSTS}
    for prefix, body in re.findall(r"location\s+(\S+)\s*\{(.*?)\}", text, re.S):
        if "add_header" in body:
            assert "Strict-Transport-Security" in body, prefix
            assert "X-Content-Type-Options" in body, prefix
    assert "proxy_hide_header Strict-Transport-Security" in _nginx_location(text, "/")
