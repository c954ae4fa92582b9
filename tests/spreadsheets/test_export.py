"""CSV and .xlsx exports neutralise formulas: at a field's start, and in CSV after any separator a
spreadsheet may split a field at (its list separator is a locale setting)."""
import csv
import io

import pytest

from spreadsheets.export import csv_bytes, formula_risk, safe_cell, safe_csv_field


@pytest.mark.parametrize("text", ["x;=1+2;y", "a,=1", "a|@SUM(A1)", "a:+1", "a\t-1", "a; =1", "=1", "+1", "-1",
                                  "@x", "\tx", "\rx"])
def test_a_formula_anywhere_a_field_may_split_gets_a_quote(text):
    assert safe_csv_field(text) == "'" + text


@pytest.mark.parametrize("text", ["A001", "2026-01-31", "10:30-11:00", "a+b@example.org", "x;y", "", "Ünïcode"])
def test_harmless_text_is_left_alone(text):
    assert safe_csv_field(text) == text


def test_numbers_stay_numbers_and_xlsx_cells_are_quoted_only_at_their_start():
    assert safe_csv_field(-5) == -5 and safe_csv_field(None) is None
    assert safe_cell("x;=1+2;y") == "x;=1+2;y"  # one .xlsx cell is never split
    assert safe_cell("=1+2") == "'=1+2"
    assert formula_risk("x;=1", split=True) and not formula_risk("x;=1")


def test_csv_keeps_each_text_field_whole_for_any_separator():
    data = csv_bytes(["code", "sessions"], [["x;=1+2;y", 4], ["A001", 2.5]]).decode("utf-8-sig")
    assert data.splitlines()[1] == "\"'x;=1+2;y\",4"  # quoted: a ; locale does not split it into =1+2
    for delimiter in ",;":
        rows = list(csv.reader(io.StringIO(data), delimiter=delimiter, quotechar='"'))
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
