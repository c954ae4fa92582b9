"""The session cookie is written back only when a request changed it: a slow answer to a request sent before
signing in must not sign the trainer out again."""
import re
from http.cookies import SimpleCookie

from tests.helpers import PASSWORD, copied_cookie, csrf_token_in, words


def _taken_by_the_browser(browser, response):
    """Apply a response's Set-Cookie headers to a test client, as a browser does whenever the answer arrives."""
    for header in response.headers.getlist("Set-Cookie"):
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0":
                browser.delete_cookie(name)
            else:
                browser.set_cookie(name, morsel.value)


def test_an_answer_to_a_request_sent_before_signing_in_does_not_sign_out(app, client, world):
    # The sign-in page starts its service worker's script, its files and the favicon in the background; on a slow
    # site-visit connection the trainer signs in before they are answered.
    page = client.get("/sign-in").get_data(as_text=True)
    background = ["/plotly-worker.js", "/favicon.ico", re.search(r'data-plotly="([^"]+)"', page).group(1),
                  *re.search(r'data-files="([^"]+)"', page).group(1).split()]
    sent_before = copied_cookie(app, client)  # the same browser's requests in flight, with the anonymous cookie
    signed_in = client.post("/sign-in", data={"email": world.users["trainer"], "password": PASSWORD,
                                              "csrf_token": csrf_token_in(page)})
    assert signed_in.status_code == 302
    wrote = []
    for url in background:
        late = sent_before.get(url)
        if "session=" in " ".join(late.headers.getlist("Set-Cookie")):
            wrote.append(url)
        _taken_by_the_browser(client, late)
    overview = client.get("/")
    assert overview.status_code == 200 and world.users["trainer"] in words(overview), f"signed out by {wrote}"


def test_the_files_the_sign_in_page_keeps_in_the_cache_set_no_cookie(client):
    # Asked with the sign-in page's session (its form's token in it), as that page asks for them.
    page = client.get("/sign-in").get_data(as_text=True)
    for url in (re.search(r'data-plotly="([^"]+)"', page).group(1),
                *re.search(r'data-files="([^"]+)"', page).group(1).split()):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.getlist("Set-Cookie") == [] and "Cookie" not in response.headers.get("Vary", ""), url


def test_a_changed_session_is_still_written(app, client, world):
    client.get("/sign-in")
    with client.session_transaction() as session:  # one message waiting, and a second added to its list
        session["_flashes"] = [("info", "First message.")]
    with client.session_transaction() as session:
        session["_flashes"].append(("info", "Second message."))
    shown = words(client.get("/sign-in"))
    assert "First message." in shown and "Second message." in shown
