"""Rows whose every read cell the converters' memos answer, converted a chunk of rows at a time, column by column.

Nearly every row of a large file repeats values met before (teams, dates, codes, marks). Looked up row by row,
each row cost a list comprehension of dict lookups in Python; here a chunk's cells are transposed and each
column mapped through its memo by map() in C, and the rows are zipped back, the sheet's absent columns as
None. A chunk with a cell the memos do not answer (a new value, a blank, a problem, TRUE or FALSE) is not
converted here at all: the reader takes its rows one by one as before, which memoises the new values and
reports the problems, so what is read and reported is the same either way.
"""
from itertools import repeat

CHUNK_ROWS = 256  # small, so a chunk missed by one new value sends few rows the slow way


class MemoChunks:
    """chunk of rows -> iterator of their values lists (aligned with kind.columns), or None when a cell misses.

    `present`: [(position in kind.columns, position in the row, converter)] of the columns the sheet has;
    `width`: len(kind.columns).
    """

    def __init__(self, present, width):
        self.width = width
        self.columns = list(present)
        self.reach = max(j for _, j, _ in present) + 1 if present else 0
        self.order = list(range(len(self.columns)))  # the column that missed last is tried first next time
        self.merged = {}  # column number -> (sizes of its memos, memo and the numbers 0 and 1 in one dict)

    def __call__(self, chunk):
        if len(set(map(len, chunk))) != 1 or len(chunk[0]) < self.reach:  # rows of unequal length (CSV)
            return None
        cells = list(zip(*chunk))
        out = [repeat(None)] * self.width
        for k in self.order:
            pos, j, convert = self.columns[k]
            column = cells[j]
            try:
                if convert.numbers:  # 0 and 1 are kept apart from the memo, as TRUE equals 1 as a key
                    if bool in set(map(type, column)):
                        raise KeyError(True)
                    out[pos] = list(map(self._with_numbers(k, convert).__getitem__, column))
                else:
                    out[pos] = list(map(convert.memo.__getitem__, column))
            except KeyError:
                self.order.remove(k)
                self.order.insert(0, k)
                return None
        return map(list, zip(*out))

    def _with_numbers(self, k, convert):
        """The column's memo and its numbers in one dict, made again only when either has grown (they never
        shrink: a memo stops growing at its limit)."""
        sizes = (len(convert.memo), len(convert.numbers))
        kept = self.merged.get(k)
        if kept is None or kept[0] != sizes:
            kept = self.merged[k] = (sizes, {**convert.memo, **convert.numbers})
        return kept[1]
