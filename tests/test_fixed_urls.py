"""URLs built once per process (fixed_urls.py) are the URLs url_for builds: under another app root too, and a static
file added after the first page gets its digest stamp."""
from flask import url_for

from fixed_urls import fixed_url


def test_the_same_url_as_url_for_under_each_app_root(sqlite_app):
    for root in ("", "/imr"):
        with sqlite_app.test_request_context("/", base_url=f"http://localhost{root}/"):
            for _ in range(2):  # built, then remembered
                assert fixed_url("org.overview") == url_for("org.overview") == f"{root}/"
                assert fixed_url("static", filename="css/app.css") == url_for("static", filename="css/app.css")
                assert "?v=" in fixed_url("static", filename="css/app.css")


def test_a_static_file_added_later_is_stamped(sqlite_app, tmp_path):
    sqlite_app.static_folder = str(tmp_path)
    with sqlite_app.test_request_context("/"):
        assert fixed_url("static", filename="late.css") == "/static/late.css"
        (tmp_path / "late.css").write_text("p { color: black }")
        assert fixed_url("static", filename="late.css").startswith("/static/late.css?v=")


def test_the_menu_and_head_links_of_a_page(client, auth):
    from tests.factories import build_world
    auth.login(build_world().users["manager_a"])
    html = client.get("/").get_data(as_text=True)
    with client.application.test_request_context("/"):
        for url in (url_for("static", filename="css/app.css"), url_for("dashboards.overview"),
                    url_for("account.index"), url_for("auth.sign_out")):
            assert f'"{url}"' in html
