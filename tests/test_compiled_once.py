"""What apps share between tests (compiled URL builders and templates) still gives each its own result."""
from jinja2 import DictLoader, Environment
from werkzeug.routing import Map, Rule

from tests.compiled_once import TEMPLATES
from tests.conftest import make_app


def _build(rule, endpoint, values):
    return Map([rule]).bind("example.org").build(endpoint, values)


def test_rules_alike_but_for_their_defaults_build_their_own_urls():
    # Same text and variables: only the default differs, which a builder folds in as a constant.
    assert _build(Rule("/page/", defaults={"n": 1}, endpoint="a"), "a", {}) == "/page/"
    assert _build(Rule("/page/<int:n>", endpoint="b"), "b", {"n": 3}) == "/page/3"
    assert _build(Rule("/<lang>/about", defaults={"lang": "en"}, endpoint="c"), "c", {}) == "/en/about"
    assert _build(Rule("/<lang>/about", defaults={"lang": "fr"}, endpoint="d"), "d", {}) == "/fr/about"


def test_a_template_changed_since_it_was_compiled_is_compiled_again():
    def render(source):
        env = Environment(loader=DictLoader({"note.html": source}), bytecode_cache=TEMPLATES)
        return env.get_template("note.html").render(x=1)
    assert render("first {{ x }}") == "first 1"
    assert render("second {{ x }}") == "second 1"
    assert render("first {{ x }}") == "first 1"


def test_a_second_app_builds_the_same_urls_and_pages_as_the_first(tmp_path):
    first, second = (make_app(f"sqlite:///{tmp_path / name}") for name in ("one.sqlite3", "two.sqlite3"))
    assert len(first.url_map._rules) > 100
    for app in (first, second):
        with app.test_request_context():
            urls = [app.url_for("auth.sign_in", next="/x y"), app.url_for("imports.batch", batch_id=7)]
        assert urls == ["/sign-in?next=/x+y", "/imports/7"]
    pages = [app.test_client().get("/sign-in").get_data(as_text=True) for app in (first, second)]
    assert all('name="csrf_token"' in page and "Sign in" in page for page in pages)
    assert second.jinja_env.bytecode_cache is first.jinja_env.bytecode_cache
