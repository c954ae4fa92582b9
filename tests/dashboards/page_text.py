"""Reading a dashboard page as a reader sees it: its text, its embedded figures, its tables' cells."""
import html
import json
import re


def open_page(lite, url, who="manager_a", **params):
    """(response, its text with the spacing a reader sees) of a page, signed in as `who` first if nobody is."""
    if lite.auth.token is None:
        assert lite.auth.login(lite.scenario.world.users[who]).status_code == 302
    response = lite.client.get(url, query_string=params)
    return response, " ".join(response.get_data(as_text=True).split())  # as a reader sees the spacing


def embedded_figures(body):
    """{chart key: figure dict} of the figures a page embeds."""
    found = re.findall(r'<script type="application/json" class="figure" data-target="plot-(\w+)">(.*?)</script>',
                       body)
    return {key: json.loads(text) for key, text in found}


def table_rows(body, key):
    """Rows of a table view as lists of cell texts."""
    table = re.search(rf'<table class="data" data-table="{key}">(.*?)</table>', body, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]
