"""A client code holding a formula after a separator downloads quoted, in the CSV a spreadsheet splits on ;."""
import csv
import io

from extensions import db
from models import Participant
from tests.dashboards.scenario import WINDOW


def test_a_semicolon_formula_in_a_client_code_is_quoted_in_the_csv(lite):
    person = db.session.get(Participant, lite.scenario.codes["A003"])
    person.client_code = "x;=1+2;y"
    db.session.commit()
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    response = lite.client.get(f"/dashboards/teams/{lite.scenario.group.id}/download",
                               query_string={**WINDOW, "table": "participants", "file": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    assert "\"'x;=1+2;y\"" in text
    # Opened by a spreadsheet whose separator is ;, no cell starts a formula.
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert not [cell for cell in cells if cell.startswith("=")]
