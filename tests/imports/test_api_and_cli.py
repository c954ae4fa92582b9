"""The same flow through the JSON API (with a real worker process) and the command line."""
import io
import time
from datetime import date

from sqlalchemy import func, select

from extensions import db
from imports.models import ImportBatch
from models import Attendance
from tests.imports import workbooks as wbk
from tests.imports.conftest import snapshot
from tests.imports.worker_process import WorkerProcess

ROWS = [["Alpha group", date(2026, 2, 9), 2, code, "Y"] for code in ("A000", "A001", "A002")]


def _post(auth, data, **form):
    return auth.client.post("/api/v1/imports", data={"kind": "sessions", "file": (io.BytesIO(data), "s.xlsx"), **form},
                            headers=auth.headers(), content_type="multipart/form-data")


def _shown(body):
    """What the import's page shows of a batch: its status, whether it is under way, its phase and percentage."""
    return body["status"], body["running"], body["phase"], body["percent"]


def _wait(client, batch_id, seconds=120):
    """Poll the progress the page polls, until the import stops running; returns its last body and what each poll
    showed. Every 0.2 s, more often than the page (0.7 s): a poll is a request in this process, whose CPU the
    worker and its child want too. The deadline is generous: the worker process starts with the test, and at
    load 20 it took over 30 s to take the batch."""
    seen, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/imports/{batch_id}").get_json()["imports"]
        seen.append(_shown(body))
        if not body["running"]:
            return body, seen
        time.sleep(0.2)
    raise AssertionError(f"import {batch_id} still running: {seen[-3:]}")


def _progress_was_shown(shown, statuses, outcome):
    """The page showed the import under way (in one of `statuses`, with its phase, the bar short of full) and then
    its outcome with the bar full; the bar never went back."""
    under_way, last = shown[:-1], shown[-1]
    assert under_way and all(running for _, running, _, _ in under_way), shown
    assert all(status in statuses and phase and 0 <= percent < 100 for status, _, phase, percent in under_way), shown
    assert last[:2] == (outcome, False) and last[3] == 100, shown
    percents = [percent for *_, percent in shown]
    assert percents == sorted(percents), shown


def test_api_upload_runs_in_the_background_with_progress_then_commits(app, client, auth, world, database_url,
                                                                      tmp_path):
    worker = WorkerProcess(database_url, tmp_path / "worker.log")
    try:
        _upload_watch_and_commit(client, auth, world)
    finally:
        worker.stop()


def _upload_watch_and_commit(client, auth, world):
    auth.login(world.users["manager_a"])
    response = _post(auth, wbk.sessions(ROWS, header=wbk.SESSIONS_HEADER[:5]))
    assert response.status_code == 202 and response.headers["Location"].startswith("/api/v1/imports/")  # queued
    batch_id = response.get_json()["imports"]["id"]
    body, seen = _wait(client, batch_id)
    assert (body["status"], body["percent"], body["counts"]["new"]) == ("checked", 100, 3)
    # the upload's answer, then each poll: what a clerk watching the page saw
    _progress_was_shown([_shown(response.get_json()["imports"]), *seen], ("queued", "checking"), "checked")
    assert snapshot()["attendance"] == []
    response = client.post(f"/api/v1/imports/{batch_id}/commit", headers=auth.headers())
    assert response.status_code == 202  # accepted: the worker commits it
    body, seen = _wait(client, batch_id)
    assert body["status"] == "committed" and body["team_ids"] == [world.team_a.id]
    _progress_was_shown([_shown(response.get_json()["imports"]), *seen], ("committing",), "committed")
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 3
    listed = client.get("/api/v1/imports").get_json()["imports"]
    assert [b["id"] for b in listed] == [batch_id]
    again = client.post(f"/api/v1/imports/{batch_id}/commit", headers=auth.headers())
    assert again.status_code == 400 and "not ready" in again.get_json()["error"]["message"]


def test_api_refusals_are_json(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    assert _post(sqlite_auth, b"xx", agency="BBB").status_code == 404
    response = _post(sqlite_auth, wbk.sessions(ROWS, header=wbk.SESSIONS_HEADER[:5]), dry_run="1")
    body = response.get_json()["imports"]
    assert (response.status_code, body["status"], body["dry_run"]) == (201, "checked", True)
    assert sqlite_client.post(f"/api/v1/imports/{body['id']}/commit",
                              headers=sqlite_auth.headers()).status_code == 400  # a dry run never commits
    bad = _post(sqlite_auth, wbk.sessions([["Alpha group", date(2026, 2, 9), 2, "Z1", "Y"]],
                                          header=wbk.SESSIONS_HEADER[:5]), commit="1").get_json()["imports"]
    detail = sqlite_client.get(f"/api/v1/imports/{bad['id']}").get_json()["imports"]
    assert detail["status"] == "rejected" and detail["problems"][0] == {
        "severity": "error", "sheet": "Sessions", "row": 2, "column": "D (Client code)", "value": "Z1",
        "rule": "client.unknown", "message": detail["problems"][0]["message"]}
    kinds = sqlite_client.get("/api/v1/import-kinds").get_json()["kinds"]
    assert [k["key"] for k in kinds] == ["roster", "sessions", "attendance_grid", "fidelity_history", "goals"]
    sqlite_auth.logout()
    sqlite_auth.login(sqlite_world.users["trainer"])
    assert _post(sqlite_auth, b"xx", agency="AAA").status_code == 403


def test_cli_dry_run_changes_nothing_and_commit_writes(app, world, runner, tmp_path):
    path = tmp_path / "sessions.xlsx"
    path.write_bytes(wbk.sessions(ROWS, header=wbk.SESSIONS_HEADER[:5]))
    before = snapshot()
    result = runner.invoke(args=["import", str(path), "--kind", "sessions", "--agency", "AAA", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 attendance rows: 3 new, 0 changed, 0 unchanged, 0 rejected" in result.output
    assert snapshot() == before
    result = runner.invoke(args=["import", str(path), "--kind", "sessions", "--agency", "AAA"])
    assert result.exit_code == 0 and "committed: Imported" in result.output
    assert len(snapshot()["attendance"]) == 3
    result = runner.invoke(args=["import", str(path), "--kind", "sessions", "--agency", "AAA"])
    assert "Nothing to change: all 3 attendance rows are already recorded" in result.output
    assert db.session.scalar(select(ImportBatch.actor).order_by(ImportBatch.id.desc()).limit(1)) == "cli"


def test_cli_reports_problems_and_fails(sqlite_world, sqlite_app, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(wbk.roster([["A9", "Alpha group", None, "31/02/2026", None, None, None]]))
    result = sqlite_app.test_cli_runner().invoke(args=["import", str(path), "--kind", "roster", "--agency", "AAA"])
    assert result.exit_code == 1
    assert "error: sheet 'Roster', row 2, column D (Start date): value '31/02/2026' [date.invalid]" in result.output
    result = sqlite_app.test_cli_runner().invoke(args=["import", str(path), "--kind", "roster", "--agency", "ZZZ"])
    assert result.exit_code == 2 and "no agency has the code 'ZZZ'" in result.output


def _with_notes_column():
    """A sessions file whose extra 'Notes' column holds data the service has no place for."""
    header = [*wbk.SESSIONS_HEADER[:5], "Notes"]
    return wbk.sessions([[*row, "came late"] for row in ROWS], header=header)


def test_a_direct_api_commit_stops_at_columns_nobody_confirmed(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    before = snapshot()
    body = _post(sqlite_auth, _with_notes_column(), commit="1").get_json()["imports"]
    assert body["status"] == "checked" and body["message"].startswith("Not committed: the file has 1 column")
    assert "F (Notes)" in body["message"] and "ignore_columns=true" in body["message"]
    assert snapshot() == before  # the preview stands; nothing was written
    body = _post(sqlite_auth, _with_notes_column(), commit="1", ignore_columns="true").get_json()["imports"]
    assert body["status"] == "committed", body["message"]
    assert len(snapshot()["attendance"]) == 3


def test_a_commit_whose_json_body_is_not_an_object_is_refused_in_words(sqlite_app, sqlite_world, sqlite_client,
                                                                     sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    batch = _post(sqlite_auth, _with_notes_column()).get_json()["imports"]
    assert batch["status"] == "checked"
    before = snapshot()
    for body in (5, [1], "yes"):
        response = sqlite_client.post(f"/api/v1/imports/{batch['id']}/commit", json=body, headers=sqlite_auth.headers())
        assert response.status_code == 400 and "Send a JSON object" in response.get_data(as_text=True), body
    assert snapshot() == before


def test_the_cli_commits_a_file_with_unknown_columns_only_when_told_to_ignore_them(sqlite_world, sqlite_app,
                                                                                  tmp_path):
    path = tmp_path / "sessions.xlsx"
    path.write_bytes(_with_notes_column())
    args = ["import", str(path), "--kind", "sessions", "--agency", "AAA"]
    result = sqlite_app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1 and "checked: Not committed" in result.output and "--ignore-columns" in result.output
    assert snapshot()["attendance"] == []
    result = sqlite_app.test_cli_runner().invoke(args=[*args, "--ignore-columns"])
    assert result.exit_code == 0 and "committed: Imported" in result.output, result.output
    assert len(snapshot()["attendance"]) == 3
