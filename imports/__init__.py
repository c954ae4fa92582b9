"""Excel imports: kinds declared as data, templates, reading, validation and the all-or-nothing commit.

How the parts fit, in the order a file meets them:
- declarations.py  the four kinds (roster, sessions, attendance grid, historical ratings) as data
- access.py        who may import where; receives an upload and starts it (views.py, api.py, cli.py call it)
- operations.py    records the upload (ImportBatch in models.py), checks it, commits it in one transaction
- background.py    leaves the batch queued in its row for a worker (or, in tests only, runs it in the request)
- worker.py        `flask worker`: takes queued batches (batch_queue.py: claim, heartbeat, sweep) and runs each
                   in a child process (supervisor.py starts child.py with memory and time limits; cli.py's
                   `flask import` does the same); progress lives in the batch row, which the page polls
- spreadsheets/guard.py (shared) refuses unsafe files, spreadsheets/filetypes.py tells CSV and other files
  apart by content; workbook.py and grid.py read sheets with calamine, or csv_workbook.py's one-sheet CSV;
  cells.py turns one cell into a value or a problem (problems.py), codes.py judges client codes against
  the agency's own
- roster.py, attendance.py, ratings.py  check records against what lookups.py loads, then write (writer.py)
  (attendance.py checks; attendance_compare.py plans, attendance_preview.py words the plan,
  attendance_write.py writes it)
- xlsx_templates.py, problems_workbook.py  the workbooks people download
- preview.py       what the clerk reads before committing: change lines and problems, counted, paged, as .xlsx
- lifecycle.py     what stops a commit: discarded, expired, unrecognised columns not confirmed as ignored
"""
