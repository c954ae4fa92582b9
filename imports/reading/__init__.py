"""Reading an upload: its sheets or CSV into clean values, and every problem placed where Excel shows it.

Knows nothing of Flask or of what a kind writes; kinds/declarations.py says which columns to read.
"""
