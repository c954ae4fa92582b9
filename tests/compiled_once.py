"""Compile once per test process what every test's app would compile again: URL builders and templates.

Every test builds its own app. Werkzeug writes and compiles two Python functions for each of the app's
~500 URL rules (90% of `create_app`), and each app's Jinja environment compiles every template it renders
(a fifth of an HTTP test's time). Both results depend only on their source, not on the app, so apps share
them: a rule's builder is still bound to that rule and calls its own converters, and a template is still
rendered by the app's own environment with its own globals.
"""
from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_builders = {}


def _builder_compiled_once(self, append_unknown=True):
    """Return the builder compiled for an identical rule before, or compile it."""
    converters = tuple(sorted((name, type(c).__module__, type(c).__qualname__) for name, c in self._converters.items()))
    key = (self.rule, self.subdomain, self.host, self.merge_slashes, tuple(self._trace), converters,
           repr(sorted((self.defaults or {}).items())), append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(self, append_unknown)
    return _builders[key]


class TemplatesCompiledOnce(BytecodeCache):
    """Jinja's bytecode cache kept in memory; Jinja keys it by template name and checks the source's hash."""

    def __init__(self):
        self.code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = TemplatesCompiledOnce()


def install():
    """Share compiled URL builders between apps (tests only: a server builds one app)."""
    Rule._compile_builder = _builder_compiled_once


def share_templates(app):
    """Let `app` use the templates compiled for earlier apps."""
    app.jinja_env.bytecode_cache = TEMPLATES
