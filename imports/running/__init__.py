"""Running a batch away from the web process: queued in its row, taken by a worker, run in a child with limits."""
