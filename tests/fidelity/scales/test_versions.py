"""A state adds its own scale version by spreadsheet or file; old assessments keep theirs."""
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from extensions import db
from fidelity.models import ScaleVersion
from fidelity.scales import catalog
from fidelity.scales.definition import SCALES_DIR
from fidelity.visits import imported
from tests.fidelity.factories import BOTH_DATABASES, GROUP_A, make_final
from tests.imports import other_programs as op, workbooks as wbk


def _template(client):
    response = client.get("/fidelity/scales/imr_fidelity/3-24-05/workbook")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _upload(auth, wb, name="state-imr.xlsx"):
    buffer = io.BytesIO()
    wb.save(buffer)
    return auth.post("/fidelity/scales/upload", {"workbook": (io.BytesIO(buffer.getvalue()), name)},
                     content_type="multipart/form-data")


def _field_row(ws, name):
    return next(row for row in ws.iter_rows(min_row=2) if row[0].value == name)


def _state_template(client):
    """The shipped version's template made a state's version state-2026."""
    wb = _template(client)
    _field_row(wb["Scale"], "version")[1].value = "state-2026"
    _field_row(wb["Scale"], "released")[1].value = "2026-01-15"
    return wb


def test_admin_uploads_a_state_version_with_full_anchors(app, client, auth, world):
    old = make_final(world.program_a, GROUP_A)
    auth.login(world.users["admin"])
    wb = _state_template(client)
    items = wb["Items"]
    for col, text in zip(range(6, 11), ["No goals", "Few goals", "Half", "Most", "All consumers"]):
        items.cell(row=7, column=col, value=text)  # item 6: anchors 1-5
    items.cell(row=7, column=11).value = None  # no protocol note needed any more
    response = _upload(auth, wb)
    assert response.status_code == 302, response.get_data(as_text=True)
    scale = catalog.get_scale("imr_fidelity")
    assert scale.version == "state-2026" and catalog.current_version("imr_fidelity") == "state-2026"
    assert scale.anchor(scale.item(6), 3) == "Half" and scale.item(6).protocol_note is None
    assert imported.current_version("imr_fidelity") == "state-2026"
    # The old assessment still reads its own version.
    page = client.get(f"/fidelity/assessments/{old.id}/report").get_data(as_text=True)
    assert "version 3-24-05" in page and '<div class="figure" id="summary-score">4.2</div>' in page
    listing = client.get("/fidelity/scales/").get_data(as_text=True)
    assert "state-2026 <span class=\"tag\">current</span>" in listing
    # Uploading the same version again is refused.
    response = _upload(auth, wb)
    assert response.status_code == 400 and "exists already" in response.get_data(as_text=True)


def test_an_uploaded_version_writes_its_cut_offs_as_the_shipped_file_does(app, client, auth, world):
    """openpyxl reads the template's 4.0 back as 4: the upload still reads 4.0, as the TOML file's page does."""
    auth.login(world.users["admin"])
    wb = _state_template(client)
    assert _upload(auth, wb).status_code == 302
    bands = "Low fidelity: 1.0 to under 3.0; Moderate fidelity: 3.0 to under 4.0; High fidelity: 4.0 to 5.0"
    for version in ("3-24-05", "state-2026"):
        page = client.get(f"/fidelity/scales/imr_fidelity/{version}").get_data(as_text=True)
        assert bands in " ".join(page.split()), version


@BOTH_DATABASES
def test_a_version_changed_or_removed_in_the_database_shows_at_once(app, client, auth, world):
    """The process parsed the upload already; its row changed (a restore, another tool) or gone is seen at once."""
    auth.login(world.users["admin"])
    wb = _state_template(client)
    assert _upload(auth, wb).status_code == 302
    assert "state-2026" in client.get("/fidelity/scales/").get_data(as_text=True)
    row = db.session.scalars(select(ScaleVersion)).one()
    definition = json.loads(row.definition)
    row.definition = json.dumps({**definition, "title": "IMR Fidelity Scale (state edition)"})
    db.session.commit()
    listing = client.get("/fidelity/scales/").get_data(as_text=True)
    assert "IMR Fidelity Scale (state edition)" in listing
    db.session.delete(row)
    db.session.commit()
    listing = client.get("/fidelity/scales/").get_data(as_text=True)
    assert "state-2026" not in listing and "(state edition)" not in listing


@pytest.mark.parametrize("written", [wbk.with_odd_format_ids, op.styles_elsewhere, op.custom_xml,
                                     lambda data: op.workbook_elsewhere(op.strings_elsewhere(op.styles_elsewhere(data)))])
def test_a_workbook_another_program_wrote_reads_as_the_import_reads_it(app, client, auth, world, written):
    """numFmtId="" or "1.0" in the styles, or parts elsewhere than Excel puts them (the relationships say where):
    the attendance import reads such a workbook, and so does the scale upload (openpyxl alone cannot)."""
    auth.login(world.users["admin"])
    wb = _state_template(client)
    data = written(wbk.saved(wb))
    response = auth.post("/fidelity/scales/upload", {"workbook": (io.BytesIO(data), "state-imr.xlsx")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert catalog.current_version("imr_fidelity") == "state-2026"


def _gap(wb):
    wb["Bands"]["C3"] = 3.5  # moderate now starts at 3.5, leaving 3.0-3.5 uncovered


def _missing_anchor(wb):
    wb["Items"]["G3"] = None  # item 2, anchor 2


def _same_version(wb):
    pass


@pytest.mark.parametrize("spoil, message", [
    (_gap, "bands: gap between &#39;low&#39; (up to 3.0) and &#39;moderate&#39; (from 3.5)"),
    (_missing_anchor, "item 2: anchor 2 is missing"),
    (_same_version, "Version 3-24-05 of imr_fidelity exists already"),
])
def test_a_broken_scale_workbook_is_refused_with_its_problems(app, client, auth, world, spoil, message):
    auth.login(world.users["admin"])
    wb = _template(client)
    spoil(wb)
    response = _upload(auth, wb)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(ScaleVersion)).all() == []


def test_a_state_drops_scale_files_in_its_folder(app, client, auth, world, runner, tmp_path):
    text = (SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text()
    (tmp_path / "imr-state.toml").write_text(text.replace('version = "3-24-05"', 'version = "state-file"')
                                             .replace("released = 2005-03-24", "released = 2026-02-01"))
    (tmp_path / "broken.toml").write_text(text.replace('from = 3.0', 'from = 3.2', 1)
                                          .replace('version = "3-24-05"', 'version = "broken"'))
    app.config["FIDELITY_SCALES_DIR"] = str(tmp_path)
    assert catalog.current_version("imr_fidelity") == "state-file"
    assert [v.version for v in catalog.versions("imr_fidelity")] == ["3-24-05", "state-file"]
    auth.login(world.users["trainer"])
    page = client.get("/fidelity/scales/").get_data(as_text=True)
    assert "broken.toml was not loaded" in page and "gap between &#39;low&#39; (up to 3.0)" in page
    result = runner.invoke(args=["check-scales"])
    assert result.exit_code == 1 and "BROKEN  broken.toml:" in result.output
    assert "ok      imr-state.toml: IMR Fidelity Scale version state-file" in result.output
