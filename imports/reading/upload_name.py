"""The name an upload is listed under: what the clerk's file was called, without what no one can see or type.

Browsers and scripts send names with a whole Windows path (C:\\Users\\...\\roster.xlsx), control characters, or
direction marks that make `roster<U+202E>xslx.exe` read as `rosterexe.xlsx`. Pages escape them; the stored
name is cleaned once, at upload, so every page, export and audit line shows the same plain name.
"""
import unicodedata

from imports.reading.cells import INVISIBLE
from spreadsheets.filetypes import basename

FALLBACK = "upload.xlsx"
MAX_LENGTH = 255  # import_batch.filename's width


def upload_name(filename) -> str:
    """`filename` without its folders or invisible characters, spaces collapsed; FALLBACK when nothing is left."""
    name = unicodedata.normalize("NFC", basename(filename))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in INVISIBLE)
    return " ".join(name.split())[:MAX_LENGTH] or FALLBACK
