"""days_whole: a sentence shown escaped, each day in it kept whole on one line (a span marked .date)."""
import pytest
from markupsafe import Markup

from date_text import days_whole

D = '<span class="date">'


@pytest.mark.parametrize("text, html", [
    ("6 months after the visit of 2 May 2026 (score 4.1)",
     f"6 months after the visit of {D}2 May 2026</span> (score 4.1)"),
    # the punctuation after the year stays with it; a day at the start and one at the very end
    ("2 Dec 2026, then 14 Jan 2027.", f"{D}2 Dec 2026,</span> then {D}14 Jan 2027.</span>"),
    ("due 30 Jun 2027", f"due {D}30 Jun 2027</span>"),
    # the text is escaped, the marks after a year included; an escape is never cut by the span
    ("A & B <b> visit of 2 May 2026; \"x\" 'y'",
     f"A &amp; B &lt;b&gt; visit of {D}2 May 2026;</span> &#34;x&#34; &#39;y&#39;"),
    ("on 2 May 2026&", f"on {D}2 May 2026</span>&amp;"),
    # newlines are kept where they were, and a day starting a line is found too
    ("Due on 5 Jan 2027.\n3 Dec 2026 was the last.\n\nRegards",
     f"Due on {D}5 Jan 2027.</span>\n{D}3 Dec 2026</span> was the last.\n\nRegards"),
    # not days: part of a longer number or word, a month unknown, a 5-digit year, no year
    ("12 Dec 20261 x2 Dec 2026 2 Dez 2026 102 Dec 2026 2 Dec 26", "12 Dec 20261 x2 Dec 2026 2 Dez 2026 102 Dec 2026 2 Dec 26"),
    ("", ""),
])
def test_days_are_kept_whole_and_the_rest_escaped(text, html):
    assert days_whole(text) == Markup(html)


def test_markup_is_taken_as_already_escaped():
    """A list joined by Jinja under autoescape arrives escaped: it is not escaped twice, nor cut inside an escape."""
    joined = Markup("goal &lt;A&gt; due 2 May 2026&#39;s end; B &amp; C 3 Jun 2026")
    assert days_whole(joined) == Markup(f"goal &lt;A&gt; due {D}2 May 2026</span>&#39;s end; B &amp; C "
                                        f"{D}3 Jun 2026</span>")


def test_a_value_that_is_no_text_is_shown_as_text():
    assert days_whole(None) == Markup("None") and days_whole(4.2) == Markup("4.2")
