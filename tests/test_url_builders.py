"""Builders shared between apps still build each rule's own URL."""
from werkzeug.routing import Map, Rule

from tests.conftest import make_app


def _build(rule, endpoint, values):
    return Map([rule]).bind("example.org").build(endpoint, values)


def test_rules_alike_but_for_their_defaults_build_their_own_urls():
    # Same text and variables: only the default differs, which a builder folds in as a constant.
    assert _build(Rule("/page/", defaults={"n": 1}, endpoint="a"), "a", {}) == "/page/"
    assert _build(Rule("/page/<int:n>", endpoint="b"), "b", {"n": 3}) == "/page/3"
    assert _build(Rule("/<lang>/about", defaults={"lang": "en"}, endpoint="c"), "c", {}) == "/en/about"
    assert _build(Rule("/<lang>/about", defaults={"lang": "fr"}, endpoint="d"), "d", {}) == "/fr/about"


def test_a_second_app_builds_the_same_urls_as_the_first(tmp_path):
    first, second = (make_app(f"sqlite:///{tmp_path / name}") for name in ("one.sqlite3", "two.sqlite3"))
    assert len(first.url_map._rules) > 100
    for app in (first, second):
        with app.test_request_context():
            urls = [app.url_for("auth.sign_in", next="/x y"), app.url_for("imports.batch", batch_id=7)]
        assert urls == ["/sign-in?next=/x+y", "/imports/7"]
