"""A scale version as a spreadsheet, both ways: download one as the template, read an admin's upload.

Three sheets: Scale (field, value), Items (one row per item, anchors in columns) and Bands. The upload
becomes the same definition a TOML file gives and goes through the same checks (fidelity.scales.definition).
"""
import io
from datetime import date, datetime


from fidelity.scales.definition import ScaleError, parse_scale
from spreadsheets.export import xlsx_bytes
from spreadsheets.canonical_parts import small_workbook_bytes
from spreadsheets.error_cells import error_cell_problem, error_shown

SCALE_FIELDS = ["key", "version", "title", "kind", "summary", "formats", "released", "item_bands", "rating_range",
                "high_band", "needs_work_band", "headline", "sources", "notes", "data_sources", "generic_anchor_1", "generic_anchor_2", "generic_anchor_3",
                "generic_anchor_4", "generic_anchor_5"]
ITEM_HEADER = ["Number", "Name", "Definition", "Formats", "Not applicable label", "Anchor 1", "Anchor 2",
               "Anchor 3", "Anchor 4", "Anchor 5", "Protocol note", "Definition note", "Data sources"]
BAND_HEADER = ["Key", "Label", "From", "To"]
LISTS = ("sources", "data_sources")  # one entry per line in a cell


def scale_to_xlsx(scale) -> bytes:
    """The scale version as a workbook an admin can edit and upload as a new version."""
    d = definition_dict(scale)
    fields = {**d, "formats": ", ".join(d["formats"]), "item_bands": "yes" if d["item_bands"] else "no",
              "rating_range": "-".join(str(p) for p in d["rating_range"]), "headline": "yes" if d["headline"] else "no",
              "sources": "\n".join(d["sources"]), "data_sources": "\n".join(d["data_sources"])}
    for point in range(1, 6):
        fields[f"generic_anchor_{point}"] = d["generic_anchors"].get(str(point), "")
    items = [[i["number"], i["name"], i["definition"], ", ".join(i["formats"]), i.get("not_applicable", "")]
             + [i["anchors"].get(str(p), "") for p in range(1, 6)]
             + [i.get("protocol_note", ""), i.get("definition_note", ""), "\n".join(i["data_sources"])]
             for i in d["items"]]
    bands = [[b["key"], b["label"], b["from"], b["to"]] for b in d["bands"]]
    return xlsx_bytes([("Scale", ["Field", "Value"], [(f, fields[f]) for f in SCALE_FIELDS]),
                       ("Items", ITEM_HEADER, items), ("Bands", BAND_HEADER, bands)])


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _lines(value):
    return [line.strip() for line in _text(value).splitlines() if line.strip()]


def _sheet(wb, name, header, filename):
    if name not in wb.sheetnames:
        raise ScaleError(filename, [f"sheet '{name}' is missing (download a scale as a template to see the layout)"])
    rows = list(wb[name].iter_rows(values_only=True))
    errors = [f"sheet '{name}', {error_cell_problem(c, r, shown, 'the value')}"
              for r, row in enumerate(rows, 1) for c, value in enumerate(row, 1) if (shown := error_shown(value))]
    if errors:  # never stored as the item's text
        raise ScaleError(filename, errors)
    found = [_text(v) for v in (rows[0] if rows else ())][:len(header)]
    if found != header:
        raise ScaleError(filename, [f"sheet '{name}', row 1: the headings must be {', '.join(header)}"])
    return [row for row in rows[1:] if any(v not in (None, "") for v in row)]


def read_definition(data: bytes, filename: str) -> dict:
    """The scale definition in an uploaded workbook, as the dict a TOML file would give."""
    readable = small_workbook_bytes(data)  # raises UnsafeWorkbook before openpyxl sees the bytes
    try:
        from openpyxl import load_workbook  # loaded on use, not with the app
        wb = load_workbook(io.BytesIO(readable), read_only=True, data_only=True)
    except Exception as e:  # damaged files raise many kinds
        raise ScaleError(filename, [f"the workbook cannot be read ({type(e).__name__})"])
    fields = {_text(row[0]): row[1] if len(row) > 1 else None
              for row in _sheet(wb, "Scale", ["Field", "Value"], filename)}
    released = fields.get("released")
    definition = {
        "key": _text(fields.get("key")), "version": _text(fields.get("version")),
        "title": _text(fields.get("title")), "kind": _text(fields.get("kind")),
        "summary": _text(fields.get("summary")).lower(),
        "formats": [f.strip() for f in _text(fields.get("formats")).split(",") if f.strip()],
        "released": released.date() if isinstance(released, datetime) else
        released if isinstance(released, date) else _text(released),
        "item_bands": _text(fields.get("item_bands")).lower() in ("yes", "true", "1"),
        "headline": _text(fields.get("headline")).lower() in ("yes", "true", "1"),
        "high_band": _text(fields.get("high_band")), "needs_work_band": _text(fields.get("needs_work_band")),
        "sources": _lines(fields.get("sources")), "notes": _text(fields.get("notes")),
        "data_sources": _lines(fields.get("data_sources")),
        "generic_anchors": {str(p): _text(fields.get(f"generic_anchor_{p}")) for p in range(1, 6)
                            if _text(fields.get(f"generic_anchor_{p}"))},
        "items": [], "bands": [],
    }
    for row in _sheet(wb, "Items", ITEM_HEADER, filename):
        row = list(row) + [None] * (len(ITEM_HEADER) - len(row))
        number = row[0]
        item = {"number": int(number) if isinstance(number, (int, float)) else _text(number),
                "name": _text(row[1]), "definition": _text(row[2]),
                "formats": [f.strip() for f in _text(row[3]).split(",") if f.strip()] or definition["formats"],
                "anchors": {str(p): _text(row[4 + p]) for p in range(1, 6) if _text(row[4 + p])},
                "data_sources": _lines(row[12])}
        for name, index in (("not_applicable", 4), ("protocol_note", 10), ("definition_note", 11)):
            if _text(row[index]):
                item[name] = _text(row[index])
        definition["items"].append(item)
    for row in _sheet(wb, "Bands", BAND_HEADER, filename):
        row = list(row) + [None] * (4 - len(row))
        definition["bands"].append({"key": _text(row[0]), "label": _text(row[1]), "from": row[2], "to": row[3]})
    wb.close()
    span = _text(fields.get("rating_range"))
    if span:  # "1-5"; a malformed one is passed on as text for parse_scale to name
        parts = span.split("-")
        definition["rating_range"] = [int(p) for p in parts] if len(parts) == 2 and all(
            p.strip().isdigit() for p in parts) else span
    return definition


def read_scale(data: bytes, filename: str):
    """Read and check an uploaded scale workbook: (definition dict, Scale) or ScaleError naming what is wrong."""
    definition = read_definition(data, filename)
    return definition, parse_scale(definition, filename)


def definition_dict(scale) -> dict:
    """The scale as a plain dict in the file format (for storing uploads and writing templates)."""
    return {
        "key": scale.key, "version": scale.version, "title": scale.title, "kind": scale.kind,
        "summary": scale.summary, "formats": list(scale.formats), "released": scale.released.isoformat(),
        "sources": list(scale.sources), "notes": scale.notes, "data_sources": list(scale.data_sources),
        "generic_anchors": {str(p): t for p, t in scale.generic_anchors.items()},
        "item_bands": scale.item_bands, "rating_range": list(scale.rating_range), "high_band": scale.high_band,
        "needs_work_band": scale.needs_work_band, "headline": scale.headline,
        "bands": [{"key": b.key, "label": b.label, "from": b.low, "to": b.high} for b in scale.bands],
        "items": [_item_dict(item) for item in scale.items],
    }


def _item_dict(item):
    data = {"number": item.number, "name": item.name, "definition": item.definition,
            "formats": list(item.formats), "anchors": {str(p): t for p, t in item.anchors.items()},
            "data_sources": list(item.data_sources)}
    for name, value in (("not_applicable", item.na_label), ("protocol_note", item.protocol_note),
                        ("definition_note", item.definition_note)):
        if value:
            data[name] = value
    return data
