"""State administrators manage agencies, programs, teams and users, and read the audit log."""
