"""Scale versions as data: read a definition (a TOML file or an uploaded sheet), check it, build a Scale.

A broken definition is refused with every problem listed, each naming the file, the item and what is
wrong (a missing anchor, bands with gaps or overlaps, an unknown format, items out of order), so a state
can fix its own scale file without reading code.
"""
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scoring.evidence import parse_criterion
from scoring.fidelity import POINT_LIMITS, POINTS, Band, band_edge

SCALES_DIR = Path(__file__).parent / "files"
FORMATS = ("group", "individual")
SUMMARIES = ("mean", "sum")
# Checked with fullmatch: `^...$` with match lets a final newline by (into a download's file name header).
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")

SCALE_FIELDS = {"key", "version", "title", "kind", "summary", "formats", "released", "sources", "notes",
                "data_sources", "generic_anchors", "bands", "item_bands", "items", "topics", "rating_range",
                "high_band", "needs_work_band", "headline"}
ITEM_FIELDS = {"number", "name", "definition", "definition_note", "formats", "anchors", "not_applicable",
               "data_sources", "protocol_note", "evidence"}
BAND_FIELDS = {"key", "label", "from", "to"}


class ScaleError(ValueError):
    """A scale definition that cannot be used; `problems` lists what is wrong, one line each."""

    def __init__(self, origin, problems):
        self.origin = origin
        self.problems = list(problems)
        super().__init__(f"{origin}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Item:
    number: int
    name: str
    definition: str
    formats: tuple
    anchors: dict  # {point: text}, the item's own anchors
    na_label: str | None  # e.g. "Not attempted"; None when the item must be rated
    data_sources: tuple
    protocol_note: str | None  # shown when the item's anchors are incomplete: rate by the state's protocol
    definition_note: str | None  # e.g. "in this service's words, not the official criterion"
    evidence: object = None  # a scoring.evidence.Criterion: what the agency's records can measure for it

    @property
    def allows_na(self) -> bool:
        return self.na_label is not None


@dataclass(frozen=True)
class Scale:
    key: str
    version: str
    title: str
    kind: str
    summary: str  # "mean" or "sum"
    formats: tuple
    released: date
    sources: tuple
    notes: str
    data_sources: tuple
    generic_anchors: dict
    bands: tuple
    item_bands: bool  # the bands also label each item's score (IT-IS)
    items: tuple
    origin: str  # the file it came from, or "uploaded: NAME"
    topics: tuple = ()  # (key, label, modules) topic areas, for evidence of curriculum coverage

    def evidence_items(self, format):
        """The items of this format whose criterion the records can measure."""
        return [item for item in self.items_for(format) if item.evidence is not None]
    rating_range: tuple = (POINTS[0], POINTS[-1])  # lowest and highest point an item is rated on
    high_band: str = ""  # the band whose start counts an item score as "high" (state statistics, scheduling)
    needs_work_band: str = ""  # items scored under this band's start go on the report's "needs work" list
    headline: bool = False  # the programmatic scale whose score sets visit rhythm and the dashboards

    @property
    def high_from(self) -> float:
        """The item score from which an item (or a mean) counts as high."""
        return self.band(self.high_band).low

    @property
    def needs_work_below(self) -> float:
        return self.band(self.needs_work_band).low

    @property
    def points(self) -> tuple:
        """Every point an item is rated on, from the rating range (1, 2, 3, 4, 5)."""
        return tuple(range(self.rating_range[0], self.rating_range[1] + 1))

    def missing_points(self, item) -> list:
        """The points of one item with no anchor text (own or generic)."""
        return [p for p in self.points if not self.anchor(item, p)]

    @property
    def missing_groups(self) -> list:
        """[(points, item numbers)] grouping items that miss the same points: the rating page's one note."""
        groups = {}
        for item, points in self.missing_anchors:
            groups.setdefault(tuple(points), []).append(item.number)
        return list(groups.items())

    @property
    def missing_anchors(self) -> list:
        """[(item, [points])] whose anchors are in neither the item nor the generic meanings."""
        found = []
        for item in self.items:
            points = self.missing_points(item)
            if points:
                found.append((item, points))
        return found

    def item(self, number):
        return next(i for i in self.items if i.number == number)

    def items_for(self, format):
        return [item for item in self.items if format in item.formats]

    def anchor(self, item, point):
        """The text for one point of one item: its own anchor, else the scale's generic meaning."""
        return item.anchors.get(point) or self.generic_anchors.get(point)

    def band(self, key):
        return next((b for b in self.bands if b.key == key), None)

    @property
    def label(self):
        return f"{self.title} (version {self.version})"


def load_file(path) -> Scale:
    """Read and check one TOML scale file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ScaleError(path.name, [f"not valid TOML: {e}"])
    except (OSError, UnicodeDecodeError) as e:
        raise ScaleError(path.name, [f"cannot be read: {e}"])
    return parse_scale(data, path.name)


def load_directory(directory=SCALES_DIR) -> dict:
    """Every scale file in a directory, as {(key, version): Scale}; two files of one version are refused."""
    scales = {}
    for path in sorted(Path(directory).glob("*.toml")):
        scale = load_file(path)
        if (scale.key, scale.version) in scales:
            other = scales[(scale.key, scale.version)].origin
            raise ScaleError(path.name, [f"version {scale.version} of {scale.key} is also defined in {other}"])
        scales[(scale.key, scale.version)] = scale
    return scales


def shipped_names():
    """(the headline scale's key, "key or title" of each shipped scale, headline first) for help texts and
    template examples, from the files shipped with the service (a state's own versions live in the database)."""
    scales = sorted({s.key: s for s in load_directory().values()}.values(), key=lambda s: (not s.headline, s.key))
    return scales[0].key, ", ".join(f"{s.key} or {s.title}" for s in scales)


def parse_scale(data: dict, origin: str) -> Scale:
    """Check a scale definition (a dict as TOML gives it) and build the Scale, or raise ScaleError."""
    problems = []
    _unknown_fields(data, SCALE_FIELDS, "", problems)
    key, version = data.get("key"), data.get("version")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        problems.append("key: give a short lower-case name such as imr_fidelity")
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        problems.append("version: give a label of letters, digits, '.', '-' or '_' (at most 40)")
    for name in ("title", "kind"):
        _text(data, name, name, problems)
    summary = data.get("summary")
    if summary not in SUMMARIES:
        problems.append(f"summary: {summary!r} is not known; use 'mean' or 'sum'")
    formats = _formats(data.get("formats"), FORMATS, "formats", problems)
    released = _date(data.get("released"), problems)
    sources = _text_list(data.get("sources"), "sources", problems)
    if not sources:
        problems.append("sources: cite at least one source for the scale's content")
    data_sources = _text_list(data.get("data_sources"), "data_sources", problems)
    rating_range = _rating_range(data, problems)
    points = tuple(range(rating_range[0], rating_range[1] + 1))
    generic = _anchors(data.get("generic_anchors", {}), "generic_anchors", problems, points)
    items = _items(data.get("items"), formats, generic, problems, points)
    if summary == "sum" and any(i.allows_na or set(i.formats) != set(formats) for i in items):
        problems.append("summary: a scale scored by its sum cannot have optional or format-specific items "
                        "(sums would not be comparable); score it by the mean")
    low, high = rating_range if summary != "sum" else (len(items) * rating_range[0], len(items) * rating_range[1])
    bands = _bands(data.get("bands"), summary, low, high, problems)
    item_bands = data.get("item_bands", False)
    if not isinstance(item_bands, bool):
        problems.append("item_bands: use true or false")
    topics = _topics(data.get("topics", []), problems)
    if any(i.evidence and i.evidence.measure == "topics" for i in items) and not topics:
        problems.append("topics: an item measures topics taught, so list the topic areas and their modules")
    facts = _facts(data, bands, problems, rating_range)
    if problems:
        raise ScaleError(origin, problems)
    return Scale(topics=topics, key=key, version=version, title=data["title"].strip(), kind=data["kind"].strip(),
                 summary=summary, formats=formats, released=released, sources=tuple(sources),
                 notes=str(data.get("notes", "")).strip(),
                 data_sources=tuple(data_sources),
                 generic_anchors=generic, bands=tuple(bands), item_bands=item_bands, items=tuple(items),
                 origin=origin, **facts)


def _rating_range(data, problems):
    """The lowest and highest point an item is rated on (1-5 when the file does not say)."""
    rating_range = data.get("rating_range", [POINTS[0], POINTS[-1]])
    if (not isinstance(rating_range, list) or len(rating_range) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in rating_range)
            or not POINT_LIMITS[0] <= rating_range[0] < rating_range[1] <= POINT_LIMITS[1]):
        problems.append(f"rating_range: give the lowest and highest point within {POINT_LIMITS[0]}-{POINT_LIMITS[1]}, "
                        "e.g. [1, 5] or [0, 4]")
        rating_range = [POINTS[0], POINTS[-1]]
    return tuple(rating_range)


def _facts(data, bands, problems, rating_range):
    """The facts other parts look up: rating range, the "high" band, the needs-work band, the headline role.

    A definition that leaves them out gets the band holding 4 (the published "at or above 4") for both.
    """
    keys = [b.key for b in bands]
    default = next((b.key for b in bands if b.low <= 4 < b.high), keys[-1] if keys else "")
    facts = {"rating_range": tuple(rating_range), "headline": data.get("headline", False)}
    if not isinstance(facts["headline"], bool):
        problems.append("headline: use true or false")
    for name in ("high_band", "needs_work_band"):
        value = data.get(name) or default
        if keys and value not in keys:
            problems.append(f"{name}: {value!r} is not one of the bands ({', '.join(keys)})")
        facts[name] = value
    return facts


def _unknown_fields(table, allowed, where, problems):
    for name in sorted(set(table) - allowed):
        problems.append(f"{where}unknown field '{name}' (known: {', '.join(sorted(allowed))})")


def _text(table, name, where, problems, required=True):
    value = table.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing text")
        return None
    return value.strip()


def _text_list(value, where, problems):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: give a list of texts")
        return []
    return [v.strip() for v in value]


def _formats(value, allowed, where, problems):
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: list the formats, e.g. [\"group\", \"individual\"]")
        return ()
    unknown = [v for v in value if v not in allowed]
    for v in unknown:
        problems.append(f"{where}: unknown format {v!r} (use {' or '.join(allowed) or 'the scale formats'})")
    return tuple(v for v in FORMATS if v in value)


def _date(value, problems):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"released: {value!r} is not a date (write it as 2005-03-24)")
        return date.min


def _anchors(value, where, problems, points):
    if not isinstance(value, dict):
        problems.append(f"{where}: give anchors as a table of point = text")
        return {}
    anchors = {}
    for point, text in value.items():
        if str(point) not in {str(p) for p in points}:
            problems.append(f"{where}: anchor {point!r} is outside the scale ({points[0]}-{points[-1]})")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: anchor {point} has no text")
        else:
            anchors[int(point)] = text.strip()
    return anchors


def _items(value, scale_formats, generic, problems, points):
    if not isinstance(value, list) or not value:
        problems.append("items: the scale has no items")
        return []
    items = []
    for position, table in enumerate(value, start=1):
        if not isinstance(table, dict):
            problems.append(f"item {position}: not a table of fields")
            continue
        number = table.get("number")
        where = f"item {number if isinstance(number, int) else position}"
        if number != position:
            problems.append(f"{where}: items out of order or numbered wrongly: expected item {position} here, "
                            f"found {number!r}")
        _unknown_fields(table, ITEM_FIELDS, f"{where}: ", problems)
        name = _text(table, "name", f"{where}: name", problems)
        definition = _text(table, "definition", f"{where}: definition", problems)
        formats = _formats(table.get("formats", list(scale_formats)), scale_formats, f"{where}: formats", problems)
        anchors = _anchors(table.get("anchors", {}), f"{where}: anchors", problems, points)
        note = _text(table, "protocol_note", f"{where}: protocol_note", problems, required=False)
        covered = {p for p in points if anchors.get(p) or generic.get(p)}
        needed = {points[0], points[-1]} if note else set(points)
        for point in sorted(needed - covered):
            problems.append(f"{where}: anchor {point} is missing" +
                            ("" if note else f" (give all {len(points)} anchors, or a protocol_note saying where "
                                             "raters find them)"))
        na_label = _text(table, "not_applicable", f"{where}: not_applicable", problems, required=False)
        items.append(Item(number=position, name=name or "", definition=definition or "", formats=formats,
                          anchors=anchors, na_label=na_label,
                          data_sources=tuple(_text_list(table.get("data_sources"), f"{where}: data_sources",
                                                        problems)),
                          protocol_note=note,
                          definition_note=_text(table, "definition_note", f"{where}: definition_note", problems,
                                                required=False),
                          evidence=parse_criterion(table["evidence"], f"{where}: evidence", problems)
                          if "evidence" in table else None))
    return items


def _edge(value, summary):
    """A cut-off in its scale's form: a mean's is a float (a TOML 4 or a spreadsheet's 4.0, which openpyxl reads back
    as 4, both read 4.0), a sum's a whole number (52, not 52.0); None when a sum's cut-off is not whole."""
    if summary == "sum":
        return int(value) if float(value).is_integer() else None
    return float(value) if summary == "mean" else value


def _bands(value, summary, low, high, problems):
    """Bands must cover low..high without gaps or overlaps, in order."""
    low, high = _edge(low, summary), _edge(high, summary)
    if not isinstance(value, list) or not value:
        problems.append("bands: the scale has no bands")
        return []
    bands = []
    for position, table in enumerate(value, start=1):
        if not isinstance(table, dict):
            problems.append(f"band {position}: not a table of fields")
            continue
        _unknown_fields(table, BAND_FIELDS, f"band {position}: ", problems)
        key, label = table.get("key"), table.get("label")
        start, end = table.get("from"), table.get("to")
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            problems.append(f"band {position}: key must be a short lower-case name such as high")
        if not isinstance(label, str) or not label.strip():
            problems.append(f"band {position}: missing label")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, end)):
            problems.append(f"band {position}: give 'from' and 'to' as numbers")
            continue
        start, end = _edge(start, summary), _edge(end, summary)
        if start is None or end is None:
            problems.append(f"band {position}: a sum scale's 'from' and 'to' are whole numbers, as its sums are")
            continue
        bands.append(Band(key=str(key), label=str(label).strip(), low=start, high=end))
    if len(bands) != len(value):
        return bands
    keys = [b.key for b in bands]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"bands: key '{key}' is used twice")
    for index, band in enumerate(bands):
        top = index == len(bands) - 1
        if band.high < band.low or (band.high == band.low and not top):
            problems.append(f"bands: '{band.key}' runs from {band_edge(band.low)} to {band_edge(band.high)}, "
                            "which is empty")
        if index:
            before = bands[index - 1]
            if band.low > before.high:
                problems.append(f"bands: gap between '{before.key}' (up to {band_edge(before.high)}) and "
                                f"'{band.key}' (from {band_edge(band.low)})")
            elif band.low < before.high:
                problems.append(f"bands: '{band.key}' (from {band_edge(band.low)}) overlaps '{before.key}' "
                                f"(up to {band_edge(before.high)})")
    if bands[0].low != low:
        problems.append(f"bands: the lowest band must start at {band_edge(low)}, not {band_edge(bands[0].low)}")
    if bands[-1].high != high:
        problems.append(f"bands: the highest band must end at {band_edge(high)}, not {band_edge(bands[-1].high)}")
    return bands


def _topics(value, problems):
    """Topic areas as data: [[topics]] key, label and the curriculum modules (1-11) that teach it."""
    if not isinstance(value, list):
        problems.append("topics: give a list of [[topics]] tables")
        return ()
    topics = []
    for position, table in enumerate(value, start=1):
        modules = table.get("modules") if isinstance(table, dict) else None
        if (not isinstance(table, dict) or not isinstance(table.get("key"), str) or not isinstance(table.get("label"), str)
                or not isinstance(modules, list) or not all(isinstance(m, int) and 1 <= m <= 11 for m in modules)):
            problems.append(f"topic {position}: give key, label and modules (a list of module numbers 1-11)")
            continue
        topics.append((table["key"], table["label"].strip(), tuple(modules)))
    return tuple(topics)
