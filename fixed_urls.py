"""URLs that are the same on every request (static files, menu pages, the account and sign-out forms), and the
links of a long list built from one url_for (id_links).

url_for costs about 30 us a call, and every page's head, menu and scripts took a dozen that never change: each is
built once per process (and app root) instead. Registered as the `fixed_url` template global by the app factory.
"""
from flask import current_app, has_request_context, request, url_for


def fixed_url(endpoint, **values):
    """url_for(endpoint, **values), remembered: only for arguments written in the code, never request data (each
    distinct call is kept for the life of the process)."""
    built = current_app.extensions["fixed_urls"]
    key = (request.script_root if has_request_context() else None, endpoint, *values.items())
    url = built.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if endpoint != "static" or "?v=" in url:  # a static file missing now is stamped once it exists
            built[key] = url
    return url


def id_links(endpoint, key, ids, **args):
    """url_for(endpoint, key=id, **args) for each id, built once and the id put in: url_for costs about 0.1 ms a
    call with arguments, and the state overview and the overview after signing in link 600 programs each."""
    before, after = url_for(endpoint, **{key: _MARKER}, **args).split(str(_MARKER))
    return [f"{before}{i}{after}" for i in ids]


_MARKER = 987654321987  # an id no URL holds otherwise (the other arguments are dates and words)


def init_app(app):
    app.extensions["fixed_urls"] = {}
    app.add_template_global(fixed_url)
