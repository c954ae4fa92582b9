"""Plotly's bundle goes out gzipped once, named by its content hash and cached for a year."""
import gzip
import re

from dashboards.assets import PLOTLY_JS
from tests.dashboards.scenario import WINDOW


def test_bundle_is_gzipped_hashed_and_cached_for_a_year(lite):
    assert lite.auth.login(lite.scenario.world.users["manager_a"]).status_code == 302
    page = lite.client.get(f"/dashboards/programs/{lite.scenario.world.program_a.id}", query_string=WINDOW)
    [url] = re.findall(r'<script src="(/assets/plotly-[0-9a-f]{16}\.min\.js)"></script>', page.get_data(as_text=True))
    with open(PLOTLY_JS, "rb") as f:
        original = f.read()
    packed = lite.client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in packed.headers["Vary"] and packed.mimetype == "text/javascript"
    assert len(packed.data) < len(original) / 3 and gzip.decompress(packed.data) == original
    plain = lite.client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == original
    assert lite.client.get("/assets/plotly-0123456789abcdef.min.js").status_code == 404  # another version
