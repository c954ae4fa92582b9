"""Engagement dashboards: queries and Plotly figures."""
