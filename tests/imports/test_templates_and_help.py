"""Templates and help pages are built from the kind declarations, and a filled template imports."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from imports.kinds.declarations import KINDS
from tests.imports.workbooks import read_back


def _template(client, kind, **query):
    response = client.get(f"/imports/kinds/{kind}/template.xlsx", query_string=query)
    assert response.status_code == 200
    return response.data, load_workbook(io.BytesIO(response.data))


@pytest.mark.parametrize("key", [k for k, kind in KINDS.items() if kind.layout == "rows"])
def test_row_templates_follow_the_declaration(sqlite_world, sqlite_client, sqlite_auth, key):
    kind = KINDS[key]
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    raw, wb = _template(sqlite_client, key)
    read = read_back(raw)  # the same download read as an upload is: one download serves every check
    assert wb.sheetnames == ["Instructions", "Lists", kind.sheet_title] and wb["Lists"].sheet_state == "hidden"
    data = wb[kind.sheet_title]
    assert [c.value for c in data[1]] == [c.label for c in kind.columns]
    instructions = [row[0] for row in read["Instructions"]]
    assert all(c.label in instructions for c in kind.columns)
    if any(c.type == "date" for c in kind.columns):  # the rule for 3/4/26 is said where the clerk fills the sheet
        assert any("two-digit year" in line and "00-29 are 2000-2029" in line for line in instructions if line)
    for j, column in enumerate(kind.columns):
        cell = data.cell(2, j + 1)
        expected = {"date": "yyyy-mm-dd", "code": "@", "text": "@", "int": "0"}.get(column.type, "General")
        assert cell.number_format == expected, column.key
    checks = {str(v.sqref).split(":")[0]: v for v in data.data_validations.dataValidation}
    letter = {c.key: chr(65 + j) for j, c in enumerate(kind.columns)}
    if "team" in letter:
        assert checks[f"{letter['team']}2"].formula1 == "=Lists!$A$1:$A$2"  # Alpha caseload, Alpha group
        assert [r[0] for r in read["Lists"]] == ["Alpha caseload", "Alpha group"]
    if "attended" in letter:
        assert checks[f"{letter['attended']}2"].formula1 == '"Y,N,E"'
    if "module" in letter:
        assert (checks[f"{letter['module']}2"].type, checks[f"{letter['module']}2"].formula2) == ("whole", "11")


def test_grid_template_for_a_team_lists_its_active_client_codes(sqlite_world, sqlite_client, sqlite_auth):
    sqlite_auth.login(sqlite_world.users["manager_a"])
    data, _ = _template(sqlite_client, "attendance_grid", team_id=sqlite_world.team_a.id)
    grid = read_back(data)["Grid"]
    assert grid[0][:2] == ["Team", "Alpha group"] and grid[2][0] == "Module" and grid[3][0] == "Client code"
    assert [row[0] for row in grid[4:7]] == ["A000", "A001", "A002"]
    assert sqlite_client.get(f"/imports/kinds/attendance_grid/template.xlsx?team_id={sqlite_world.team_b.id}"
                             ).status_code == 404  # another agency's team


def test_a_filled_template_imports(sqlite_app, sqlite_world, sqlite_client, sqlite_auth):
    sqlite_app.config["IMPORTS_IN_BACKGROUND"] = False
    sqlite_auth.login(sqlite_world.users["clerk_a"])
    _, wb = _template(sqlite_client, "roster")
    sheet = wb["Roster"]
    sheet["A2"], sheet["B2"], sheet["E2"] = "00042", "Alpha group", date(2026, 3, 2)  # E: Start date
    filled = io.BytesIO()
    wb.save(filled)
    response = sqlite_auth.post("/imports/upload", {"kind": "roster", "file": (io.BytesIO(filled.getvalue()), "r.xlsx")},
                                content_type="multipart/form-data")
    page = sqlite_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ready to import: 1 new" in page and "problem" not in page.lower()


@pytest.mark.parametrize("key", list(KINDS))
def test_help_pages_list_every_declared_column(sqlite_world, sqlite_client, sqlite_auth, key):
    sqlite_auth.login(sqlite_world.users["trainer"])
    page = sqlite_client.get(f"/imports/kinds/{key}").get_data(as_text=True)
    assert re.findall(r'data-column="([a-z_0-9]+)"', page) == [c.key for c in KINDS[key].columns]
    assert KINDS[key].identity in page
    assert sqlite_client.get("/imports/kinds/nonsense").status_code == 404
