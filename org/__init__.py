"""Agencies, programs and teams as their users see them: the overview and the program and team pages."""
