"""Excel imports: kinds declared as data, templates, reading, validation and the all-or-nothing commit.

Where the parts are, in the order a file meets them:
- views.py, api.py, cli.py  the pages, the JSON API and `flask import` / `flask worker`; models.py holds
                   ImportBatch and its problems and change lines (where Flask and Alembic look for them)
- access.py        who may import where; receives an upload and starts it (views.py, api.py, cli.py call it)
- operations.py    the flow itself: records the upload (ImportBatch), checks it, commits it in one transaction
- running/         how a batch gets run: background.py leaves it queued in its row for a worker (or, in tests
                   only, runs it in the request); worker.py (`flask worker`) takes queued batches
                   (batch_queue.py: claim, heartbeat, sweep) and runs each in a child process (supervisor.py
                   starts child.py with memory and time limits; cli.py's `flask import` does the same);
                   progress lives in the batch row (locked_progress.py while SQLite's lock is the import's),
                   which the page polls; lifecycle.py says what stops a commit (discarded, expired,
                   unrecognised columns not confirmed as ignored); timings.py keeps phase times for benches
- reading/         a file into values and problems: spreadsheets/guard.py (shared) refuses unsafe files,
                   spreadsheets/filetypes.py tells CSV and other files apart by content; workbook.py and grid.py
                   read sheets with calamine (scanned_read.py while their extents are scanned, sheet_notes.py and
                   hidden_rows.py for what calamine cannot see), or csv_workbook.py's one-sheet CSV; cells.py
                   turns one cell into a value or a problem (problems.py)
- kinds/           what each kind checks and writes: declarations.py declares the kinds (roster, sessions,
                   attendance grid, historical ratings, goal tracking) as data; codes.py judges client codes
                   against the agency's own; roster.py, attendance.py, ratings.py, goals.py check records
                   against what lookups.py loads, note the preview's lines (changes.py), then write (writer.py)
                   (attendance.py checks; attendance_compare.py plans, attendance_preview.py words the plan,
                   attendance_write.py writes it)
- showing/         what people read and download: preview.py (change lines and problems, counted, paged, as
                   .xlsx), problems_workbook.py, xlsx_templates.py
"""
