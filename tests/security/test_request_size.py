"""Bodies the service reads whole into memory are small; only file uploads may be large."""
import io
import json

from sqlalchemy import func, select

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
