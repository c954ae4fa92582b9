"""Rows whose every read cell the converters' memos answer, converted a chunk of rows at a time, column by column.

Nearly every row of a large file repeats values met before (teams, dates, codes, marks). Looked up row by row,
each row cost a list comprehension of dict lookups in Python; here a chunk's cells are transposed and each
column mapped through its memo by map() in C, and the rows are zipped back, the sheet's absent columns as
None. A column with values the memo has not met yet (a goal sheet's 25,000 client codes, each first met in
its chunk) has them read by its converter, which memoises them, and is mapped again. A chunk with a cell the
memos still do not answer (a problem, a blank required cell, TRUE or FALSE, a memo full) is not converted here
at all: the reader takes its rows one by one as before, which reports the problems, so what is read and
reported is the same either way. After a run of such chunks, chunks are not tried for a while (a sheet
whose every row misses would pay for each attempt), and tried again later, so a sheet that settles still gains.
"""
from itertools import repeat

CHUNK_ROWS = 256  # small, so a chunk missed by one problem sends few rows the slow way
MISSES_BEFORE_REST = 4  # chunks missed in a row before chunks are passed by untried
REST_CHUNKS = (4, 64)  # chunks passed by after those misses; doubled after each further miss, up to the second


class MemoChunks:
    """chunk of rows -> iterator of their values lists (aligned with kind.columns), or None when a cell misses.

    `present`: [(position in kind.columns, position in the row, converter)] of the columns the sheet has;
    `width`: len(kind.columns). `prime`: whether values new to a memo may be read by the converter here, ahead
    of their rows; not where reading a value is noticed by the row it is on (a roster's new client codes that
    look like known ones are reported at the record that brought them, imports/kinds/codes.py).
    """

    def __init__(self, present, width, prime=True):
        self.width, self.prime = width, prime
        self.columns = list(present)
        self.reach = max(j for _, j, _ in present) + 1 if present else 0
        self.order = list(range(len(self.columns)))  # the column that missed last is tried first next time
        self.merged = {}  # column number -> (sizes of its memos, memo and the numbers 0 and 1 in one dict)
        self.misses, self.rest, self.resting = 0, REST_CHUNKS[0], 0

    def __call__(self, chunk):
        if self.resting:
            self.resting -= 1
            return None
        found = self._converted(chunk)
        if found is not None:
            self.misses, self.rest = 0, REST_CHUNKS[0]
        elif (misses := self.misses + 1) < MISSES_BEFORE_REST:
            self.misses = misses
        else:  # rest, and rest longer if the next try misses too
            self.resting, self.rest = self.rest, min(self.rest * 2, REST_CHUNKS[1])
        return found

    def _converted(self, chunk):
        if len(set(map(len, chunk))) != 1 or len(chunk[0]) < self.reach:  # rows of unequal length (CSV)
            return None
        cells = list(zip(*chunk))
        out = [repeat(None)] * self.width
        for k in self.order:
            pos, j, convert = self.columns[k]
            values = self._column(k, convert, cells[j])
            if values is None:
                self.order.remove(k)
                self.order.insert(0, k)
                return None
            out[pos] = values
        return map(list, zip(*out))

    def _column(self, k, convert, column):
        """The column's values from its memos, its new values read first (when priming); None when a cell misses."""
        try:
            return self._mapped(k, convert, column)
        except KeyError:
            if not self.prime or not self._primed(convert, column):
                return None
        return self._mapped(k, convert, column)  # primed: each value is in the memos now

    def _mapped(self, k, convert, column):
        if convert.numbers:  # 0 and 1 are kept apart from the memo, as TRUE equals 1 as a key
            if bool in set(map(type, column)):
                raise KeyError(True)
            return list(map(self._with_numbers(k, convert).__getitem__, column))
        return list(map(convert.memo.__getitem__, column))

    @staticmethod
    def _primed(convert, column):
        """Read the column's values its memos lack, in the order of the rows; whether each is now memoised.
        TRUE and FALSE are never memoised (they equal 1 and 0 as keys): a column holding one misses at once."""
        if bool in set(map(type, column)):
            return False
        memo, numbers = convert.memo, convert.numbers
        for raw in dict.fromkeys(column):
            if raw not in memo and raw not in numbers:
                convert(raw)  # a problem, a blank required cell or a full memo is not memoised: the rows say why
                if raw not in memo and raw not in numbers:
                    return False
        return True

    def _with_numbers(self, k, convert):
        """The column's memo and its numbers in one dict, made again only when either has grown (they never
        shrink: a memo stops growing at its limit)."""
        sizes = (len(convert.memo), len(convert.numbers))
        kept = self.merged.get(k)
        if kept is None or kept[0] != sizes:
            kept = self.merged[k] = (sizes, {**convert.memo, **convert.numbers})
        return kept[1]
