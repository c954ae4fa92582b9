"""Scale files: the shipped versions load with what the reference confirms; broken files are named precisely."""
import copy
import tomllib

import pytest

from fidelity.scales.definition import SCALES_DIR, ScaleError, load_directory, load_file, parse_scale
from scoring.fidelity import band_edge

IMR_FILE = SCALES_DIR / "imr_fidelity-3-24-05.toml"
ORIGIN = IMR_FILE.name


def test_imr_fidelity_scale_as_shipped():
    scale = load_file(IMR_FILE)
    assert (scale.key, scale.version, scale.summary) == ("imr_fidelity", "3-24-05", "mean")
    assert [i.number for i in scale.items] == list(range(1, 14))
    assert [b.key for b in scale.bands] == ["low", "moderate", "high"]
    assert [(b.low, b.high) for b in scale.bands] == [(1, 3), (3, 4), (4, 5)]
    for item in scale.items[:4]:  # anchors confirmed by Egeland et al. (2020)
        assert sorted(item.anchors) == [1, 2, 3, 4, 5] and item.protocol_note is None
    assert scale.item(1).anchors[5] == "All sessions are individual or in groups of 8 consumers or fewer."
    for item in scale.items[4:]:  # not confirmed: generic 1 and 5, a visible note, no made-up anchors
        assert item.anchors == {} and "state's" in item.protocol_note
        assert scale.anchor(item, 1).startswith("No fidelity") and scale.anchor(item, 5).startswith("Full fidelity")
        assert scale.anchor(item, 3) is None
    assert not any(i.allows_na for i in scale.items)
    assert any("Egeland" in s for s in scale.sources)


def test_imr_fidelity_names_its_items_and_topic_areas_as_published():
    # Item names: Egeland et al. (2020) Table 3 and Roosenschoon et al. (2016) Table 4; item 3's nine topic areas
    # as the scale names them (not the curriculum's module titles), mapped to modules as DESIGN.md says.
    scale = load_file(IMR_FILE)
    assert [i.name for i in scale.items] == [
        "Number of people in a session or group", "Program length", "Comprehensiveness of the curriculum",
        "Provision of educational handouts", "Involvement of significant others", "IMR goal setting",
        "IMR goal follow-up", "Motivation-based strategies", "Educational techniques",
        "Cognitive-behavioral techniques", "Coping skills training", "Relapse prevention training",
        "Behavioral tailoring for medication"]
    assert [(label, modules) for _, label, modules in scale.topics] == [
        ("Recovery strategies", (1,)), ("Mental illness facts", (2,)), ("The stress-vulnerability model", (3,)),
        ("Social support", (4,)), ("Using medication", (5,)), ("Preventing relapse", (7,)),
        ("Stress management", (8,)), ("Coping with symptoms", (9,)), ("The mental health system", (10,))]
    for _, label, _ in scale.topics:
        assert label.lower() in scale.item(3).definition.lower()


def test_it_is_as_shipped():
    scale = load_directory()[("it_is", "2012")]
    assert len(scale.items) == 16 and scale.item_bands
    assert [i.number for i in scale.items if i.formats == ("group",)] == [12, 13]
    assert [(i.number, i.na_label) for i in scale.items if i.allows_na] == [
        (14, "Not attempted"), (15, "Not attempted"), (16, "Not attempted")]
    assert [b.label for b in scale.bands] == ["Unsatisfactory", "Needs improvement", "Satisfactory", "Very good",
                                              "Excellent"]
    assert any("McGuire" in s for s in scale.sources)


def _imr():
    return tomllib.loads(IMR_FILE.read_text())


def _without_anchor(d):
    del d["items"][1]["anchors"]["3"]


def _gap(d):
    d["bands"][1]["from"] = 3.5


def _overlap(d):
    d["bands"][1]["from"] = 2.5


def _unknown_format(d):
    d["items"][11]["formats"] = ["groups"]


def _out_of_order(d):
    d["items"][3], d["items"][4] = d["items"][4], d["items"][3]


def _no_sources(d):
    d["sources"] = []


def _short_bands(d):
    d["bands"][2]["to"] = 4.5


def _typo(d):
    d["items"][0]["anchor"] = d["items"][0].pop("anchors")


def _bad_summary(d):
    d["summary"] = "median"


def _key_with_newline(d):
    d["key"] = "imr_fidelity\n"  # `$` in a pattern matches before a final newline: the download header broke on it


def _version_with_newline(d):
    d["version"] = "1.0\n"


@pytest.mark.parametrize("break_it, expected", [
    (_key_with_newline, "key: give a short lower-case name"),
    (_version_with_newline, "version: give a label of letters"),
    (_without_anchor, "item 2: anchor 3 is missing"),
    (_gap, "bands: gap between 'low' (up to 3.0) and 'moderate' (from 3.5)"),
    (_overlap, "bands: 'moderate' (from 2.5) overlaps 'low' (up to 3.0)"),
    (_unknown_format, "item 12: formats: unknown format 'groups'"),
    (_out_of_order, "item 5: items out of order or numbered wrongly: expected item 4 here, found 5"),
    (_no_sources, "sources: cite at least one source"),
    (_short_bands, "bands: the highest band must end at 5.0, not 4.5"),
    (_typo, "item 1: unknown field 'anchor'"),
    (_bad_summary, "summary: 'median' is not known"),
])
def test_broken_definition_names_file_item_and_problem(break_it, expected):
    definition = copy.deepcopy(_imr())
    break_it(definition)
    with pytest.raises(ScaleError) as refused:
        parse_scale(definition, ORIGIN)
    assert any(expected in p for p in refused.value.problems), refused.value.problems
    assert str(refused.value).startswith(ORIGIN + ": ")


def _as_sum(d, cuts):
    d["summary"] = "sum"
    for band, (start, end) in zip(d["bands"], cuts):
        band["from"], band["to"] = start, end


def test_cut_offs_take_the_form_of_the_scales_summary():
    """A mean's cut-off is a float however written (4 reads 4.0), a sum's a whole number (52.0 reads 52)."""
    mean = copy.deepcopy(_imr())
    mean["bands"][2]["from"] = mean["bands"][1]["to"] = 4
    bands = parse_scale(mean, ORIGIN).bands
    assert [band_edge(b.low) for b in bands] == ["1.0", "3.0", "4.0"]
    total = copy.deepcopy(_imr())
    _as_sum(total, [(13.0, 39.0), (39.0, 52.0), (52.0, 65.0)])
    bands = parse_scale(total, ORIGIN).bands
    assert [(band_edge(b.low), band_edge(b.high)) for b in bands] == [("13", "39"), ("39", "52"), ("52", "65")]
    _as_sum(total, [(13, 39), (39, 52.5), (52.5, 65)])
    with pytest.raises(ScaleError, match="band 2: a sum scale's 'from' and 'to' are whole numbers"):
        parse_scale(total, ORIGIN)


def test_broken_toml_and_duplicate_versions(tmp_path):
    (tmp_path / "state.toml").write_text('key = "imr_fidelity"\nversion = \n')
    with pytest.raises(ScaleError, match=r"state.toml: not valid TOML"):
        load_directory(tmp_path)
    (tmp_path / "state.toml").write_text(IMR_FILE.read_text())
    (tmp_path / "copy.toml").write_text(IMR_FILE.read_text())
    with pytest.raises(ScaleError, match="state.toml: version 3-24-05 of imr_fidelity is also defined in copy.toml"):
        load_directory(tmp_path)


def test_state_version_with_full_anchors_loads(tmp_path):
    """A state adds its own version by writing a file: anchors for item 6 and no protocol note."""
    text = IMR_FILE.read_text().replace('version = "3-24-05"', 'version = "state-2026"')
    d = tomllib.loads(text)
    d["items"][5].pop("protocol_note")
    d["items"][5]["anchors"] = {str(p): f"Level {p} of goal setting" for p in range(1, 6)}
    scale = parse_scale(d, "state-2026.toml")
    assert scale.version == "state-2026" and scale.anchor(scale.item(6), 3) == "Level 3 of goal setting"
