"""Bodies the service reads whole into memory are small; only file uploads may be large."""
import http.client
import io
import json
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from extensions import db
from scheduling.models import ReassessmentPolicy


def test_a_json_body_over_a_megabyte_is_refused_before_it_is_read(client, auth, world):
    # Before, a 20 MB JSON body was decoded whole (hundreds of MB of Python objects per request) and checked
    # item by item: a few such requests tied up every web worker.
    auth.login(world.users["admin"])
    body = json.dumps({"baseline_months": 6, "padding": ["x" * 100] * 12_000})  # 1.2 MB
    response = client.post(f"/api/v1/programs/{world.program_a.id}/reassessment-policy", data=body,
                           content_type="application/json", headers=auth.headers())
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert "1 MB" in response.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(ReassessmentPolicy)) == 0


def test_a_json_body_with_another_content_type_is_limited_too(client, auth, world):
    auth.login(world.users["admin"])
    response = client.post("/api/v1/assessments", data="x" * 1_100_000, content_type="text/plain",
                           headers=auth.headers())
    assert response.status_code == 413, response.get_data(as_text=True)[:300]


def test_a_file_upload_may_still_be_larger_than_a_megabyte(client, auth, world):
    auth.login(world.users["clerk_a"])
    big = io.BytesIO(b"not a workbook " * 100_000)  # 1.5 MB
    response = client.post("/api/v1/imports", data={"kind": "roster", "file": (big, "roster.xlsx")},
                           headers=auth.headers(), content_type="multipart/form-data")
    assert response.status_code == 202  # taken, to be checked (and refused for what it is) by the worker


GUNICORN = {"wsgi.input_terminated": True}  # gunicorn (and werkzeug's server) mark a chunked body's end for the app
TOO_LARGE = ("The request is larger than 1 MB, the most the service accepts for anything but a file upload. "
             "Nothing was changed.")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"])
def test_a_chunked_body_over_a_megabyte_gets_the_same_413_as_one_with_a_length(client, auth, world, content_type):
    # Before, werkzeug stopped reading a chunked body at the limit without a word: the JSON arrived cut short
    # and was refused as malformed (400).
    auth.login(world.users["admin"])
    body = json.dumps({"baseline_months": 6, "padding": ["x" * 100] * 12_000}).encode()  # 1.2 MB
    url = f"/api/v1/programs/{world.program_a.id}/reassessment-policy"
    with_length = client.post(url, data=body, content_type=content_type, headers=auth.headers())
    chunked = client.post(url, input_stream=io.BytesIO(body), content_type=content_type, environ_overrides=GUNICORN,
                          headers={**auth.headers(), "Transfer-Encoding": "chunked"})
    for response in (with_length, chunked):
        assert response.status_code == 413, response.get_data(as_text=True)[:300]
        assert response.get_json()["error"] == {"status": 413, "title": "Request too large", "message": TOO_LARGE}
    assert db.session.scalar(select(func.count()).select_from(ReassessmentPolicy)) == 0


def test_a_chunked_body_under_the_limit_is_read_whole(client, auth, world):
    auth.login(world.users["admin"])
    body = json.dumps({"baseline_months": 6, "interval_months": 6, "high_interval_months": 12,
                       "padding": "x" * 900_000}).encode()
    response = client.post(f"/api/v1/programs/{world.program_a.id}/reassessment-policy", input_stream=io.BytesIO(body),
                           content_type="application/json", environ_overrides=GUNICORN,
                           headers={**auth.headers(), "Transfer-Encoding": "chunked"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert db.session.scalar(select(ReassessmentPolicy.interval_months)) == 6


def test_a_chunked_body_over_the_limit_is_refused_over_real_http_before_anything_else(app):
    # Through werkzeug's own server, which dechunks the body as gunicorn does; signed out, no CSRF token: the
    # size answers first, as it does for a body whose Content-Length is too large.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        chunks = (b"email=a%40b.org&password=" + b"x" * 64 * 1024 for _ in range(17))  # 1.1 MB
        connection.request("POST", "/sign-in", body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        assert response.status == 413
        assert TOO_LARGE in response.read().decode()
    finally:
        server.shutdown()


def test_a_file_upload_keeps_its_own_limit_and_words(app, client, auth, world):
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    auth.login(world.users["clerk_a"])
    big = io.BytesIO(b"not a workbook " * 200_000)  # 3 MB
    response = client.post("/api/v1/imports", data={"kind": "roster", "file": (big, "roster.xlsx")},
                           headers=auth.headers(), content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == ("The upload is larger than 2 MB, the most the service "
                                                       "accepts. Nothing was changed.")
