"""The visit rhythm follows the headline scale's own high band: a state's version with other bands moves dates."""
from datetime import date

from date_text import day
from extensions import db
from scheduling.due_dates import add_months
from tests.fidelity.scale_files import state_version
from tests.helpers import words
from tests.scheduling.factories import make_assessment

VISIT = date(2026, 3, 2)


def test_a_state_version_sets_what_counts_as_high(app, client, auth, sched, tmp_path):
    state_version(tmp_path)  # high band "established", from 3.5
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    visit = make_assessment(sched.program_a, VISIT, 3.6, "established")
    visit.scale_version = "state-2026"
    db.session.commit()
    auth.login(sched.users["trainer"])
    page = words(client.get(f"/programs/{sched.program_a.id}/reassessment-policy"))
    assert f"next visit due {day(add_months(VISIT, 12))}" in page  # 3.6 is high on this version
    assert "(mean 3.60, Established)" in page
    assert "Established means the visit's State IMR Fidelity Review mean is 3.5 or more" in page
    assert "4.0" not in page


def test_a_visit_keeps_the_high_band_of_the_version_it_was_rated_on(app, client, auth, sched, tmp_path):
    state_version(tmp_path)
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    make_assessment(sched.program_a, VISIT, 4.2, "high")  # rated on 3-24-05, where "high" is the high band
    auth.login(sched.users["trainer"])
    page = words(client.get(f"/programs/{sched.program_a.id}/reassessment-policy"))
    assert f"next visit due {day(add_months(VISIT, 12))}" in page and "(mean 4.20, High fidelity)" in page
