"""Reminder email to a relay that wants encryption and a sign-in: STARTTLS or TLS from the start, the
certificate checked, the password never sent in clear."""
import shutil
import ssl
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from app import create_app
from extensions import db
from scheduling import jobs
from scheduling.models import Reminder
from tests.scheduling.conftest import use_smtp
from tests.scheduling.smtp_server import LocalSMTP

LOGIN = ("reminders", "relay-secret")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate path, server context)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return str(cert), context


def _states():
    db.session.expire_all()
    return sorted(((r.email_status, r.email_error or "") for r in db.session.scalars(select(Reminder))),
                  key=lambda state: -len(state[1]))  # the one tried (with an error) first


def _relay(app, server, security, password=LOGIN[1], ca_file=None):
    use_smtp(app, server.port)
    app.config.update(SMTP_SECURITY=security, SMTP_USERNAME=LOGIN[0], SMTP_PASSWORD=password, SMTP_CA_FILE=ca_file)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_reminders_go_encrypted_and_signed_in(app, sched, certificate, security):
    cert, context = certificate
    server = LocalSMTP(tls=context, implicit_tls=security == "ssl", login=LOGIN)
    try:
        _relay(app, server, security, ca_file=cert)
        result = jobs.daily(app, date(2026, 1, 20))
        assert result["emails"]["sent"] == 2
        assert sorted(to for _s, to, _m in server.messages) == [["manager@alpha.example"], ["manager@beta.example"]]
        assert server.encrypted == [True, True]
        assert server.sign_ins == [(LOGIN[0], True, True)]  # one connection per run, signed in over TLS
        assert {status for status, _ in _states()} == {"sent"}
    finally:
        server.stop()


def test_a_relay_without_starttls_gets_no_password_and_no_message(app, sched, certificate):
    cert, _ = certificate
    server = LocalSMTP(login=LOGIN)  # offers sign-in but no encryption
    try:
        _relay(app, server, "starttls", ca_file=cert)
        jobs.daily(app, date(2026, 1, 20))
        assert server.sign_ins == [] and server.messages == []
        assert [status for status, _ in _states()] == ["pending", "pending"]  # retried when the relay is fixed
        assert "does not offer STARTTLS (encryption)" in _states()[0][1]
    finally:
        server.stop()


def test_an_untrusted_certificate_or_a_wrong_password_leaves_reminders_pending(app, sched, certificate):
    cert, context = certificate
    server = LocalSMTP(tls=context, login=LOGIN)
    try:
        _relay(app, server, "starttls", ca_file=None)  # the test certificate is not trusted by the system
        jobs.daily(app, date(2026, 1, 20))
        assert server.sign_ins == [] and server.messages == []
        assert "certificate verify failed" in _states()[0][1]
        _relay(app, server, "starttls", password="wrong", ca_file=cert)
        jobs.retry_emails(app, date(2026, 1, 20))
        assert server.sign_ins == [(LOGIN[0], False, True)] and server.messages == []
        assert [status for status, _ in _states()] == ["pending", "pending"]
        assert "refused the sign-in as reminders: 535" in _states()[0][1]
    finally:
        server.stop()


def test_a_password_is_never_configured_for_an_unencrypted_relay(tmp_path):
    url = f"sqlite:///{tmp_path}/x.sqlite3"
    with pytest.raises(RuntimeError, match="password would cross the network in clear"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SMTP_USERNAME": "reminders", "SMTP_SECURITY": "none"})
    with pytest.raises(RuntimeError, match="SMTP_SECURITY must be one of none, starttls, ssl"):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SMTP_SECURITY": "tls"})
