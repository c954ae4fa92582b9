"""Accounts: signing in and out, and the one access check every page and API call uses."""
