"""Accounts: throttling, passwords, sessions, two-factor sign-in."""
