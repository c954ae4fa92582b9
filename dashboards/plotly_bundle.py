"""Cut the installed Plotly bundle down to the trace types the service draws: nothing rebuilt, nothing fetched.

plotly.min.js registers all of its trace types (47 modules: 3D, maps, polar, ...) and its world calendars in one
`register([...])` call when it starts, and setting them up is most of the 1-2 s a browser with an empty cache
spends starting Plotly. The file is an esbuild bundle in which each module is a function run on its first
`require`: leaving a module out of that call leaves its code parsed over but never compiled or run. So the
partial bundle is the installed file with that one list shortened. A file of another shape (a Plotly release
that bundles differently) is served whole: slower, never broken.
"""
import re

NAME = r"[\w$]+"  # a minified identifier
REGISTER = re.compile(rf"\.register\(\[((?:{NAME}\(\),)*{NAME}\(\))\]\)")
REEXPORT = r'"use strict";{exports}\.exports=({name})\(\)\}}\)'  # lib/bar.js: module.exports = require(...)
TRACE_NAME = re.compile(r'moduleType:"(\w+)",name:"(\w+)"')
CORE_TRACE = "scatter"  # registered by Plotly's core, not by the list
MODULE_START = re.compile(rf"var {NAME}={NAME}\(\({NAME},{NAME}\)=>\{{")


def _definition(source, name):
    """The match of `var NAME=W((exports,module)=>{` that defines module NAME, or None."""
    return re.search(rf"var {re.escape(name)}={NAME}\(\(({NAME}),({NAME})\)=>\{{", source)


def _module_name(source, call):
    """The trace type (or component) a module of the register list registers, or None when unrecognised."""
    found = _definition(source, call)
    if found is None:
        return None
    target = re.match(REEXPORT.format(exports=re.escape(found.group(2)), name=NAME), source[found.end():])
    if target:
        found = _definition(source, target.group(1))
        if found is None:
            return None
    following = MODULE_START.search(source, found.end())  # the module's body ends where the next module starts
    body = source[found.end():following.start() if following else len(source)]
    named = TRACE_NAME.search(body)
    return named.group(2) if named else None


def _register_list(source):
    """The index's `register([...])` call (the last; the core's own registrations use another helper), or None."""
    at = source.rfind(".register([")
    return REGISTER.match(source, at) if at >= 0 else None


def _calls(found):
    return re.findall(rf"({NAME})\(\)", found.group(1)) if found else []


def registered_modules(source):
    """[(module call, trace type or component, None if unrecognised)] of the bundle's register list."""
    return [(call, _module_name(source, call)) for call in _calls(_register_list(source))]


def partial_bundle(source, trace_types):
    """The bundle registering only `trace_types` (and Plotly's core), or None when they cannot all be found."""
    found, wanted, keep = _register_list(source), set(trace_types) - {CORE_TRACE}, {}
    for call in _calls(found):  # in order, and only until every wanted type is found: each look-up reads far
        if len(keep) == len(wanted):
            break
        name = _module_name(source, call)
        if name in wanted:
            keep.setdefault(name, call)
    if found is None or len(keep) != len(wanted):
        return None
    start, end = found.span(1)
    return source[:start] + ",".join(f"{call}()" for call in keep.values()) + source[end:]
