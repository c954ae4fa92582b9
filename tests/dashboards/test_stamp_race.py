"""Two transactions stamping one team's last change at once (two imports committing, an edit during an
import): neither fails, and the row ends with the later change and the newest session of both. PostgreSQL
(SQLite lets one writer in at a time, so its stamps cannot meet)."""
import threading
import time
from datetime import date

import pytest
from sqlalchemy import delete, insert, select, text

from dashboards import summaries
from dashboards.models import TeamDataChange
from extensions import db
from models import Session

LATER = date(2026, 3, 2)  # after every session of the world


def _wait_until_blocked(engine, failed, seconds=10):
    """Until some other connection waits for a lock (the second stamp behind the first one's row)."""
    with engine.connect() as watcher:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            waiting = watcher.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                          "AND datname = current_database()"))
            # pg_stat_activity is read once per transaction: polled inside one, it showed its first look for ever
            # (the test failed whenever that look came before the second stamp reached the lock)
            watcher.rollback()
            if waiting:
                return
            if failed:
                break
            time.sleep(0.05)
    raise AssertionError(f"the second stamp never waited for the first: {failed or 'it is still running'}")


@pytest.mark.parametrize("stamped_before", [True, False], ids=["stamped", "never-stamped"])
def test_two_stamps_at_once_both_commit(app, world, stamped_before):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: two stamps never meet")
    team = world.team_a.id
    if not stamped_before:
        db.session.execute(delete(TeamDataChange).where(TeamDataChange.team_id == team))
    db.session.commit()
    engine, failed = db.engine, []
    first = engine.connect()
    writing = first.begin()
    first.execute(insert(Session).values(team_id=team, session_date=LATER, module=1))  # an import's new session
    summaries.stamp(first, [team])
    stamped = first.scalar(select(TeamDataChange.changed_at).where(TeamDataChange.team_id == team))

    def second_stamp():
        try:
            with engine.begin() as connection:  # an edit of the same team, committing after the import
                summaries.stamp(connection, [team])
        except Exception as error:  # noqa: BLE001 - the test reports it
            failed.append(error)
    other = threading.Thread(target=second_stamp)
    other.start()
    try:
        _wait_until_blocked(engine, failed)
    finally:
        writing.commit()
        first.close()
        other.join(30)
    assert not failed, failed
    db.session.expire_all()
    kept = db.session.execute(select(TeamDataChange.changed_at, TeamDataChange.newest_session)
                              .where(TeamDataChange.team_id == team)).one()
    assert kept.changed_at >= stamped
    assert kept.newest_session == LATER  # the second stamp saw the first one's session, committed before it
