"""Plotly's JavaScript, served from the installed package: nothing is fetched from the internet."""
import os

import plotly
from flask import Blueprint, send_file

bp = Blueprint("assets", __name__)

PLOTLY_JS = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")


@bp.route("/assets/plotly.min.js")
def plotly_js():
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86400)
