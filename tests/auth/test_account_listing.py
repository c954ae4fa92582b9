"""Error messages name no account the asker could not see otherwise (issue 13: accounts listed through errors)."""
from sqlalchemy import select

from extensions import db
from models import User
from tests.factories import make_user


def test_probing_user_ids_through_the_reassessment_policy_reveals_no_account(client, auth, world):
    make_user("old.trainer@state.example", "trainer", active=False)
    db.session.commit()
    auth.login(world.users["trainer"])
    others = db.session.scalars(select(User).where(User.email != world.users["trainer"])).all()
    for other in others + [None]:
        trainer_id = other.id if other else 99999
        page = auth.post(f"/programs/{world.program_a.id}/reassessment-policy", data={
            "baseline_months": "0", "interval_months": "6", "high_interval_months": "12",
            "trainer_id": str(trainer_id)}).get_data(as_text=True)
        api = client.put(f"/api/v1/programs/{world.program_a.id}/reassessment-policy", headers=auth.headers(), json={
            "baseline_months": 0, "interval_months": 6, "high_interval_months": 12, "trainer_id": trainer_id})
        for said in (page, api.get_data(as_text=True)):
            for hidden in ("manager@", "clerk@", "old.trainer@", "admin@", "Agency Beta"):
                assert hidden not in said, (trainer_id, hidden)
        assert "is not one of the active state trainers listed" in page
