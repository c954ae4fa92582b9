"""Chunks of rows converted column by column (imports/reading/memo_chunks.py) read what reading row by row reads."""
from datetime import date

import pytest

from imports.kinds.declarations import SESSIONS
from imports.reading import memo_chunks, workbook
from imports.reading.problems import Report
from imports.reading.workbook import open_workbook, read_rows
from tests.imports import workbooks as wbk


def read(data):
    """(records, problems) of a sessions workbook, read with chunks of 4 rows."""
    report = Report()
    rows = [(record[1], values, bad) for sheet, record, values, bad in read_rows(open_workbook(data), SESSIONS, report)]
    return rows, [(p.severity, p.row, p.column, p.rule) for p in report.kept]


@pytest.fixture
def chunks(monkeypatch):
    """Chunks of 4 rows; the list of what each chunk asked for gave (None: read row by row), and whether the
    chunk was tried at all."""
    asked, tried = [], []
    called, converted = memo_chunks.MemoChunks.__call__, memo_chunks.MemoChunks._converted
    monkeypatch.setattr(workbook, "CHUNK_ROWS", 4)
    monkeypatch.setattr(memo_chunks.MemoChunks, "__call__",
                        lambda self, chunk: asked.append(called(self, chunk)) or asked[-1])
    monkeypatch.setattr(memo_chunks.MemoChunks, "_converted",
                        lambda self, chunk: tried.append(len(asked)) or converted(self, chunk))
    return asked, tried


def row_by_row(monkeypatch, data):
    monkeypatch.setattr(memo_chunks.MemoChunks, "__call__", lambda self, chunk: None)
    return read(data)


def test_chunks_whose_new_values_are_read_ahead_are_converted_and_read_as_row_by_row(monkeypatch, chunks):
    """As in a goal sheet, each chunk brings client codes never met before (each person's first rows): their
    values are read ahead and the chunk is converted, not read row by row; a chunk with a date that is not one
    or a blank row is read row by row, its problem reported at its row."""
    asked, _ = chunks
    body = [["Alpha group", date(2026, 1, 5 + i % 3), 1 + i % 2, f"A{i // 2:03d}", "Y" if i % 3 else "N"]
            for i in range(48)]
    body[29][1], body[38] = "not a date", [None] * 5
    data = wbk.xlsx({"S": [wbk.SESSIONS_HEADER[:5], *body]})
    chunked = read(data)
    assert len(asked) == 12 and [n for n, found in enumerate(asked) if found is None] == [7, 9]
    assert row_by_row(monkeypatch, data) == chunked
    assert len(chunked[0]) == 47 and chunked[1] == [("error", 31, "B (Session date)", "date.invalid")]


def test_after_a_run_of_missed_chunks_chunks_rest_and_are_tried_again(monkeypatch, chunks):
    """Forty rows marked TRUE (never in a memo: TRUE equals 1 as a key) miss chunk after chunk: after four
    misses chunks are passed by untried for a while, then tried again, and once the marks are Y and N the
    chunks are converted again; the rows read are those of reading row by row."""
    asked, tried = chunks
    body = [["Alpha group", date(2026, 1, 5 + i % 3), 1, f"A{i % 8:03d}", True if i < 40 else "Y"]
            for i in range(120)]
    data = wbk.xlsx({"S": [wbk.SESSIONS_HEADER[:5], *body]})
    chunked = read(data)
    assert len(asked) == 30 and tried[:6] == [0, 1, 2, 3, 8, 17]  # a rest of 4 chunks, then of 8
    assert all(found is None for found in asked[:17]) and all(found is not None for found in asked[17:])
    assert row_by_row(monkeypatch, data) == chunked
    assert len(chunked[0]) == 120 and chunked[1] == []
