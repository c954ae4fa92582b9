"""Fidelity scales as data, site-visit assessments, rating pages and reports."""
