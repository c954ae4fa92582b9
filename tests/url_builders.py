"""Compile each URL rule's builder once per test process, not once per app.

Every test builds its own app, and Werkzeug writes and compiles two Python functions for each of the
app's ~500 URL rules: 90% of `create_app`'s time, about 0.1 s a test. The functions depend only on the
rule (its text, variables and defaults), not on the app, so apps with the same rules can share them. The
rule still builds every URL itself: its builder is bound to it and calls its own converters.
"""
from werkzeug.routing.rules import Rule

_compile = Rule._compile_builder
_compiled = {}


def _compile_once(self, append_unknown=True):
    """Return the builder compiled for an identical rule before, or compile it."""
    converters = tuple(sorted((name, type(c).__module__, type(c).__qualname__) for name, c in self._converters.items()))
    key = (self.rule, self.subdomain, self.host, self.merge_slashes, tuple(self._trace), converters,
           repr(sorted((self.defaults or {}).items())), append_unknown)
    if key not in _compiled:
        _compiled[key] = _compile(self, append_unknown)
    return _compiled[key]


def install():
    """Share compiled builders between apps (tests only: a server builds one app)."""
    Rule._compile_builder = _compile_once
