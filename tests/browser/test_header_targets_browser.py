"""The menu, the account link and Sign out are targets a finger can hit on a tablet: at least 24 px tall (WCAG 2.2,
target size), at 768 and 1280 px. They were 19-21 px, text height."""
import pytest

from tests.browser.conftest import sign_in
from tests.factories import build_world
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

HEIGHTS = """() => [...document.querySelectorAll('header.site a, header.site button')]
  .filter(el => el.offsetParent !== null)
  .map(el => [el.textContent.trim(), el.getBoundingClientRect().height])"""


@pytest.mark.parametrize("width", [768, 1280])
def test_header_targets_are_at_least_24_px_tall(live_app, live_server, page, width):
    with live_app.app_context():
        users = build_world().users
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server.url, users["admin"], PASSWORD)
    heights = page.evaluate(HEIGHTS)
    assert len(heights) > 4  # the menu's entries, the account link, Sign out
    assert [(text, height) for text, height in heights if height < 24] == []
