"""Excel imports: kinds declared as data, templates, reading, validation and the all-or-nothing commit."""
