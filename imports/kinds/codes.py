"""Client codes checked against the agency's own: never invented from numbers Excel altered, never lookalikes.

A code cell Excel stores as a number is accepted only where nothing can have been lost: a whole number
of at most 11 digits (Excel's General format shows longer ones in scientific notation), not displayed in a
scientific format, in an agency whose codes are all plain numbers without leading zeros, and not equal to
one of its codes once leading zeros are added. Anything else is refused with the fix. A text code is
NFC-normalised; invisible, control and format characters are refused, and so is a new code that is a
person's name (codes, never names); a new code that differs from a known one only by case, spaces, leading
zeros or lookalike letters (Cyrillic or Greek for Latin, full-width forms) is a warning naming the known one in a
roster, and in other kinds, which add no one, the one refusal of an unknown code, naming the known one.
"""
import re
import unicodedata
from functools import cached_property

from sqlalchemy import select

from imports.reading.cell_error import CellError
from models import Participant

AS_NUMBER = "Excel stored this client code as a number."
FIX = "Format the column as Text and type the codes again."
MAX_PLAIN = 10 ** 11  # 12 digits and more: Excel's General format shows them as 1.23457E+11
_PLAIN_DIGITS = re.compile(r"^(?:0|[1-9][0-9]*)$")
_SPACES = re.compile(r"\s+")
_DECIMAL = re.compile(r"^[0-9]+\.0+$")  # 457.0: how EHR and pandas exports write a number column with blanks
# A word of letters, with the apostrophes, hyphens and initials' dots names have (O'Neil, Garcia-Lopez, J.).
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’.-][^\W\d_]*)*$")
_NAME_SEPARATORS = re.compile(r"[\s,]+")
LOOKS_LIKE = "differs only in case, spaces, leading zeros or lookalike letters (such as a Cyrillic А for a Latin A)"


def unknown_code(code, near=None) -> str:
    """The message refusing a client code the agency does not have (where an import adds no participants);
    `near`: a known code it differs from only as LOOKS_LIKE says, named as the one probably meant."""
    if near is not None:
        return (f"No participant with client code '{code}' in this agency, but it has {near}, which {LOOKS_LIKE}. "
                f"If it is the same person, write {near}; otherwise add them with a roster import first.")
    return (f"No participant with client code '{code}' in this agency. Add them with a roster import first, or check "
            "the code.")


# Letters of other scripts drawn like Latin ones (Cyrillic, Greek; upper and lower case), as a keyboard layout or a
# copy from a document slips them into a code: А000 in Cyrillic is a new code that reads as A000.
_LATIN_LOOKALIKES = str.maketrans("АВСЕНІЈКМОРЅТХУаеіјорсѕхуΑΒΕΖΗΙΚΜΝΟΡΤΥΧοκν",
                                  "ABCEHIJKMOPSTXYaeijopcsxyABEZHIKMNOPTYXokv")


def code_key(code: str) -> str:
    """What two codes share when they differ only by case, spaces, leading zeros or lookalike letters (another
    script's, full-width forms)."""
    if not code.isascii():
        code = unicodedata.normalize("NFKC", code).translate(_LATIN_LOOKALIKES)
    return _SPACES.sub("", code).casefold().lstrip("0") or "0"


def looks_like_a_name(code: str) -> bool:
    """True for a code of two or more words of letters and no digit, one of them 3 letters or more (John Smith,
    SMITH, J.): a name typed or pasted into the code column. One word (Blue) or letter pairs (AB CD) cannot be
    told from a code."""
    words = _NAME_SEPARATORS.split(code.strip(" ,"))
    return (len(words) >= 2 and all(_NAME_WORD.match(word) for word in words)
            and any(sum(ch.isalpha() for ch in word) >= 3 for word in words))


class CodeBook:
    """The client codes an agency already has, and what a workbook's number formats say about its numbers:
    `scientific`, the numbers of its cells shown in a scientific format (the upload's scan notes them:
    spreadsheets/number_formats.py).

    `typed`: False for files whose cells carry no type (CSV), where digits may be a number Excel saved.
    `adds`: whether the import adds participants (a roster); where it does not, a code not known is refused by
    the kind's handler, and a lookalike of a known one here, once, naming the known one.
    `noticed`: (code, known code) of new codes that look like known ones, for `watch` to report in place.
    """

    def __init__(self, known, scientific=frozenset(), typed=True, adds=True):
        self.known = set(known)
        self.plain_digits = bool(self.known) and all(_PLAIN_DIGITS.match(code) for code in self.known)
        self.scientific, self.typed, self.adds = scientific, typed, adds
        self.noticed = []

    @staticmethod
    def known_codes(conn, agency_id):
        """The agency's client codes, for a CodeBook (unless the import's handler read them already)."""
        return conn.scalars(select(Participant.client_code).where(Participant.agency_id == agency_id))

    @cached_property
    def by_key(self):
        """{code_key: the known codes sharing it}, built only when a code not known or a number cell asks: a
        file naming only known codes never does (25,000 codes: ~0.05 s on a busy machine)."""
        by_key = {}
        for code in sorted(self.known):
            by_key.setdefault(code_key(code), []).append(code)
        return by_key

    def _lookalikes(self, code):
        return [known for known in self.by_key.get(code_key(code), ()) if known != code]

    def number(self, raw):
        """The code of a number cell, or CellError saying why it cannot be trusted."""
        if not float(raw).is_integer():
            raise CellError("code.number", f"{AS_NUMBER} {raw:g} has a fractional part, which no client code "
                                             f"has. {FIX}")
        if not 0 <= raw < MAX_PLAIN:
            raise CellError("code.scientific", f"{AS_NUMBER} Excel shows a number this long in scientific "
                                                 f"notation ({raw:.5E}) and may have lost digits. {FIX}")
        code = str(int(raw))
        if lookalikes := self._lookalikes(code):
            raise CellError("code.zeros", f"{AS_NUMBER} {code} is the agency's client code "
                                            f"{lookalikes[0]} without its leading zeros: did you mean "
                                            f"{lookalikes[0]}? {FIX}")
        if not self.plain_digits:
            raise CellError("code.number", f"{AS_NUMBER} The agency's client codes are not all plain numbers, so "
                                             f"{code} may have lost leading zeros or letters. {FIX}")
        if raw in self.scientific:
            raise CellError("code.scientific", f"{AS_NUMBER} It is displayed in scientific notation "
                                                 f"({raw:.2E}), so digits of the code may be lost. {FIX}")
        return code

    def text(self, code):
        """A text code as it will be recorded; a lookalike of a known code is noticed (or CellError in CSV)."""
        if code in self.known:
            return code
        if _DECIMAL.match(code):
            whole = code.split(".")[0]
            meant = next(iter(self._lookalikes(whole) or ([whole] if whole in self.known else [])), None)
            raise CellError("code.decimal", f"'{code}' is a number written with a decimal point, as programs export "
                                              "a number column; no client code of the agency is written so. "
                                              + (f"Did you mean {meant}? " if meant else "")
                                              + "Export the codes as text, exactly as in your records.")
        if looks_like_a_name(code):
            raise CellError("code.name", f"'{code}' looks like a person's name, not a client code: the service keeps "
                                           "the agency's client codes, never names. Write the person's client code "
                                           "from your records.")
        if lookalikes := self._lookalikes(code):
            if not self.typed and code.isdigit():
                raise CellError("code.zeros", f"{code} is the agency's client code {lookalikes[0]} without its "
                                                f"leading zeros: did you mean {lookalikes[0]}? A CSV file saved by "
                                                "Excel loses them; export it again from your records, or upload "
                                                "an .xlsx with the column formatted as Text.")
            if not self.adds:  # the handler would refuse it as unknown too: one message, with the code meant
                raise CellError("client.unknown", unknown_code(code, lookalikes[0]))
            self.noticed.append((code, lookalikes[0]))
        return code

    def watch(self, records, report):
        """Pass the reader's records on, reporting each noticed lookalike at the record that brought it."""
        noticed = self.noticed
        for item in records:
            if noticed:
                sheet, record = item[0], item[1]
                row, column = sheet.where(record, "client_code")
                self._report(report, sheet.name, row, column)
            yield item
        if noticed:
            self._report(report, None, None, None)

    def _report(self, report, sheet, row, column):
        for code, known in self.noticed:
            report.warning("code.lookalike", f"Client code {code} is new, but the agency already has {known}, "
                                             f"which {LOOKS_LIKE}. If it is the same person, write {known}.",
                           sheet, row, column, code)
        self.noticed.clear()
