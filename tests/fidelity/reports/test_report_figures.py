"""A program manager reads the same figures on the report page, its print, the .xlsx and the API: R2016 group A's
published mean 4.2 (54 of 13-65, high), kept unrounded in the data; a first visit has no change to show."""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.fidelity.factories import GROUP_A, make_final, user


def _report(client, visit):
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    data = client.get(f"/api/v1/assessments/{visit.id}").get_json()["report"]
    wb = load_workbook(io.BytesIO(client.get(f"/fidelity/assessments/{visit.id}/report.xlsx").data))
    summary = {row[0].value: row[1:] for row in wb["Summary"].iter_rows(min_row=2)}
    return page, data, wb, summary


def test_r2016_group_a_reads_the_same_everywhere(app, client, auth, world):
    make_final(world.program_a, [3] * 13, visit_date=date(2025, 9, 1))
    visit = make_final(world.program_a, GROUP_A, visit_date=date(2026, 3, 2))
    auth.login(world.users["manager_a"])
    page, data, wb, summary = _report(client, visit)
    assert '<div class="figure" id="summary-score">4.2</div>' in page and '<span id="summary-sum">54</span>' in page
    assert '<div class="figure" id="summary-change">+1.2</div>' in page
    assert (data["summary_score"], data["summary_shown"], data["sum"], data["sum_range"], data["band"]) == (
        pytest.approx(54 / 13), "4.2", 54, [13, 65], "high")
    assert data["change_since_previous"] == pytest.approx(54 / 13 - 3) and data["change_shown"] == "+1.2"
    score, total, change = (summary[f][0] for f in ("Summary score (mean of items)", "Sum of item scores",
                                                      "Change since previous visit"))
    assert score.value == pytest.approx(54 / 13) and summary["Summary shown"][0].value == "4.2"
    assert total.value == 54 and total.number_format == "General"  # not 54.00
    assert change.value == pytest.approx(54 / 13 - 3)
    assert summary["Band"][0].value == "High fidelity" and summary["Sum range"][0].value == "13-65"


def test_a_first_visit_shows_no_change_column(app, client, auth, world):
    visit = make_final(world.program_a, GROUP_A)
    auth.login(world.users["manager_a"])
    page, data, wb, summary = _report(client, visit)
    table = page.split('<table class="items">')[1].split("</table>")[0]
    assert "<th class=\"num\">Change</th>" not in table and "Previous" not in table
    assert len(re.findall(r"<td", table.split('<tr data-item="1"')[1].split("</tr>")[0])) == 4  # no., item, score, note
    assert "since last visit" not in page
    assert [c.value for c in wb["Items"][1]] == ["Item", "Name", "Score", "Item band", "Needs work", "Consensus note",
                                                 "Raters' evidence"]
    assert summary["Previous visit"][0].value == "none" and "Change since previous visit" not in summary
    assert all(i["previous"] is None and i["change"] is None for i in data["items"])  # null, never 0


def test_amendments_show_the_score_after_as_the_report_does(app, client, auth, world):
    trainer = user(world.users["trainer"])
    visit = make_final(world.program_a, GROUP_A, raters=[trainer])
    auth.login(world.users["trainer"])
    response = auth.post(f"/fidelity/assessments/{visit.id}/amend",
                         {"item": "12", "choice": "4", "reason": "Relapse plans found in the charts afterwards"})
    assert response.status_code == 302
    page = client.get(f"/fidelity/assessments/{visit.id}/report").get_data(as_text=True)
    assert '<div class="figure" id="summary-score">4.3</div>' in page  # 56 / 13 = 4.31
    row = page.split('<table class="amendments">')[1].split("</table>")[0]
    assert "trainer@state.example" in row and '<td class="num">4.3</td>' in row
