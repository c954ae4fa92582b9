"""Spreadsheet safety shared by every feature: checking uploads before parsing, neutralising exports."""
