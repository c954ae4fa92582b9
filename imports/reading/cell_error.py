"""The error of a cell that cannot be read, shared by the cell reader (imports/reading/cells.py) and the code book
(imports/kinds/codes.py), which knows nothing of the reader that calls it."""


class CellError(ValueError):
    """A cell that cannot be read: `rule` is a stable id, the message plain words."""

    def __init__(self, rule, message):
        super().__init__(message)
        self.rule = rule
        self.message = message
