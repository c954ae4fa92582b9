"""Admins manage agencies, programs, teams and users; every change lands in the audit log."""
from sqlalchemy import select

from extensions import db
from models import Agency, AuditLog, Program, Team, User


def _audit(entity, field):
    return db.session.scalars(select(AuditLog).where(AuditLog.entity == entity, AuditLog.field == field)
                              .order_by(AuditLog.id)).all()


def test_admin_creates_agency_program_team_and_user(client, auth, world):
    auth.login(world.users["admin"])
    assert auth.post("/admin/agencies/new", data={"code": "CCC", "name": "Agency Gamma", "kind": "Hospital",
                                                   "date_order": "DMY"}).status_code == 302
    gamma = db.session.scalar(select(Agency).where(Agency.code == "CCC"))
    assert gamma.date_order == "DMY"
    auth.post("/admin/programs/new", data={"agency_id": gamma.id, "name": "Gamma IMR", "setting": "ACT team",
                                           "engagement_target": "0.6", "active": "y"})
    program = db.session.scalar(select(Program).where(Program.name == "Gamma IMR"))
    assert program.agency_id == gamma.id and program.engagement_target == 0.6
    auth.post("/admin/teams/new", data={"program_id": program.id, "name": "Gamma caseload", "format": "individual",
                                        "active": "y"})
    assert db.session.scalar(select(Team).where(Team.name == "Gamma caseload")).format == "individual"
    auth.post("/admin/users/new", data={"email": "Boss@Gamma.example", "role": "manager", "agency_id": gamma.id,
                                        "password": "a-long-password", "active": "y"})
    user = db.session.scalar(select(User).where(User.email == "boss@gamma.example"))
    assert user.agency_id == gamma.id and user.check_password("a-long-password")

    created = _audit("agency", "name")[-1]
    assert (created.action, created.new_value, created.actor) == ("create", "Agency Gamma", world.users["admin"])
    assert _audit("app_user", "password_hash") == []  # hashes never reach the audit log


def test_edit_is_audited_with_old_and_new_value(client, auth, world):
    auth.login(world.users["admin"])
    response = auth.post(f"/admin/programs/{world.program_a.id}/edit",
                         data={"agency_id": world.agency_a.id, "name": "Alpha IMR groups", "setting": "Outpatient",
                               "engagement_target": "0.5", "active": "y"})
    assert response.status_code == 302
    [row] = _audit("program", "name")[-1:]
    assert (row.action, row.old_value, row.new_value) == ("update", "Alpha IMR", "Alpha IMR groups")
    assert row.agency_id == world.agency_a.id
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Alpha IMR groups" in page and world.users["admin"] in page


def test_invalid_and_duplicate_input_is_refused_and_changes_nothing(client, auth, world):
    auth.login(world.users["admin"])
    response = auth.post("/admin/agencies/new", data={"code": "AAA", "name": "Copy of Alpha", "kind": "x",
                                                      "date_order": ""})
    assert response.status_code == 400 and "duplicate" in response.get_data(as_text=True)
    response = auth.post("/admin/agencies/new", data={"code": "bad code!", "name": "X", "date_order": ""})
    assert response.status_code == 400 and "Letters, digits" in response.get_data(as_text=True)
    response = auth.post("/admin/users/new", data={"email": "c@d.example", "role": "clerk", "agency_id": 0,
                                                   "password": "a-long-password"})
    assert response.status_code == 400 and "belongs to one agency" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Agency)).all()) == 2
    assert db.session.scalar(select(User).where(User.email == "c@d.example")) is None


def test_state_staff_user_loses_agency(client, auth, world):
    auth.login(world.users["admin"])
    auth.post("/admin/users/new", data={"email": "t2@state.example", "role": "trainer",
                                        "agency_id": world.agency_a.id, "password": "a-long-password"})
    assert db.session.scalar(select(User).where(User.email == "t2@state.example")).agency_id is None
