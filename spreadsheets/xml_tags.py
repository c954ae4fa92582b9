"""The one spelling of an XML tag's optional namespace prefix, for the scans that read a workbook's parts as bytes.

Excel writes <c>, <row>, <v>; a program built on other XML tools may write <x:c>, <x:row>, <x:v> (any prefix
bound to the spreadsheet namespace), which the reader (calamine) takes as the same tags. Every pattern that
looks for a tag puts NS before its name: rb"<" + NS + rb"row\\s".
"""
import re

NS = rb"(?:[A-Za-z_][\w.\-]*:)?"
PREFIXED = rb"[A-Za-z_][\w.\-]*:"  # a prefix that is there

R_ATTRIBUTE = re.compile(rb"""(?:^|[\s"'])r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
T_ATTRIBUTE = re.compile(rb"""(?:^|[\s"'])t\s*=\s*(?:"([^"]*)"|'([^']*)')""")
REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]+)")


def last_attribute(pattern, name, attributes):
    """The value of the last attribute `name` (found by `pattern`, R_ATTRIBUTE or T_ATTRIBUTE) of a tag's
    attributes, or None: calamine reads the last one."""
    if name not in attributes:
        return None
    found = pattern.findall(attributes)
    if not found:
        return None
    double, single = found[-1]
    return double or single


def cell_reference(attributes):
    """(row, column) 0-based of the last r attribute of a tag's attributes (column -1 when it names a row only),
    or None."""
    text = last_attribute(R_ATTRIBUTE, b"r", attributes)
    match = REFERENCE.fullmatch(text) if text is not None else None
    if match is None:
        return None  # none, or one calamine refuses: the read fails without building anything
    letters, digits = match.groups()
    return int(digits) - 1, column_number(letters) - 1


def column_number(letters):
    """b"A" -> 1, b"AA" -> 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD: column_number the other way."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
