"""Scale pages: every version with its items and sources; admins download one as a template and upload new ones."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from auth.permissions import permission_required
from extensions import db
from fidelity.errors import FidelityError, flash_problems
from fidelity.models import Assessment
from fidelity.scales import catalog
from fidelity.scales.definition import ScaleError
from fidelity.scales.operations import upload_scale_version
from fidelity.scales.sheets import scale_to_xlsx
from spreadsheets.export import file_response
from spreadsheets.guard import UnsafeWorkbook

bp = Blueprint("fidelity_scales", __name__, url_prefix="/fidelity/scales", template_folder="../templates")


def _scale_or_404(scale_key, version):
    try:
        return catalog.get_scale(scale_key, version)
    except KeyError:
        abort(404)


@bp.route("/")
@permission_required("fidelity.read_scores")
def index():
    counts = dict(((k, v), n) for k, v, n in db.session.execute(
        select(Assessment.scale_key, Assessment.scale_version, func.count()).group_by(
            Assessment.scale_key, Assessment.scale_version)))
    current = {key: catalog.current_version(key) for key in catalog.scale_keys()}
    return render_template("fidelity/scales.html", scales=catalog.all_scales(), counts=counts, current=current,
                           broken=catalog.broken_files())


@bp.route("/<scale_key>/<version>")
@permission_required("fidelity.read_scores")
def show(scale_key, version):
    scale = _scale_or_404(scale_key, version)
    return render_template("fidelity/scale.html", scale=scale, current=catalog.current_version(scale_key))


@bp.route("/<scale_key>/<version>/missing-anchors")
@permission_required("fidelity.read_scores")
def missing_anchors(scale_key, version):
    """Exactly the anchors a version lacks, and how a state fills them in as its own version."""
    scale = _scale_or_404(scale_key, version)
    return render_template("fidelity/missing_anchors.html", scale=scale)


@bp.route("/<scale_key>/<version>/workbook")
@permission_required("fidelity.manage_scales")
def download(scale_key, version):
    scale = _scale_or_404(scale_key, version)
    return file_response("xlsx", scale_to_xlsx(scale), f"scale-{scale.key}-{scale.version}")


@bp.route("/upload", methods=["GET", "POST"])
@permission_required("fidelity.manage_scales")
def upload():
    """Add a scale version from a workbook laid out like the downloaded template."""
    problems = []
    if request.method == "POST":
        upload = request.files.get("workbook")
        try:
            if upload is None or not upload.filename:
                raise FidelityError("The scale was not added.", ["Choose the workbook to upload."])
            scale = upload_scale_version(upload.read(), upload.filename, current_user)
            flash(f"Added {scale.title}, version {scale.version}.", "info")
            return redirect(url_for("fidelity_scales.show", scale_key=scale.key, version=scale.version))
        except ScaleError as e:
            flash("The scale was not added: the workbook has problems.", "error")
            problems = e.problems
        except UnsafeWorkbook as e:
            flash(f"The scale was not added. {e}", "error")
        except FidelityError as e:
            problems = flash_problems(e)
    status = 400 if request.method == "POST" else 200
    return render_template("fidelity/scale_upload.html", problems=problems, scales=catalog.all_scales()), status
