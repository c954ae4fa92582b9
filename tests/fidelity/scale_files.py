"""A state's own versions of the headline scale, written as scale files the catalogue reads."""
import re

from fidelity.scales.definition import SCALES_DIR

BANDS = '''[[bands]]
key = "emerging"
label = "Emerging"
from = 1.0
to = 2.5

[[bands]]
key = "developing"
label = "Developing"
from = 2.5
to = 3.5

[[bands]]
key = "established"
label = "Established"
from = 3.5
to = 5.0

'''


def state_version(tmp_path):
    """The shipped IMR file as a state's later version: its own title and three bands cut at 2.5 and 3.5."""
    text = (SCALES_DIR / "imr_fidelity-3-24-05.toml").read_text()
    text = text.replace('version = "3-24-05"', 'version = "state-2026"').replace(
        "released = 2005-03-24", "released = 2026-01-15").replace(
        'title = "IMR Fidelity Scale"', 'title = "State IMR Fidelity Review"').replace(
        'high_band = "high"', 'high_band = "established"').replace('needs_work_band = "high"',
                                                                   'needs_work_band = "established"')
    text = re.sub(r"(\[\[bands\]\]\n(?:.+\n)+\n)+", BANDS, text, count=1)
    (tmp_path / "state.toml").write_text(text)


FOUR_POINT_BANDS = '''[[bands]]
key = "low"
label = "Low fidelity"
from = 1.0
to = 2.5

[[bands]]
key = "high"
label = "High fidelity"
from = 2.5
to = 4.0

'''


def four_point(text):
    """The shipped IMR file rated 1-4: no anchor 5, the generic top meaning at 4, bands ending at 4."""
    text = text.replace("rating_range = [1, 5]", "rating_range = [1, 4]").replace('\n5 = "Full fidelity',
                                                                                    '\n4 = "Full fidelity')
    text = re.sub(r"^anchors\.5 = .*\n", "", text, flags=re.M)
    return re.sub(r"(\[\[bands\]\]\n(?:.+\n)+\n)+", FOUR_POINT_BANDS, text, count=1)


def other_range(text, low, high, version):
    """The shipped IMR file as a state version rated low-high: a generic anchor at every point, own anchors
    outside the range dropped, three bands splitting the range evenly (the top one "high")."""
    step = (high - low) / 3
    text = text.replace("rating_range = [1, 5]", f"rating_range = [{low}, {high}]").replace(
        'version = "3-24-05"', f'version = "{version}"').replace("released = 2005-03-24", "released = 2026-02-01")
    generic = "".join(f'{p} = "Point {p} of {low}-{high} by the state protocol."\n' for p in range(low, high + 1))
    text = re.sub(r"\[generic_anchors\]\n(?:.+\n)+", f"[generic_anchors]\n{generic}", text, count=1)
    text = re.sub(r"^anchors\.(\d+) = .*\n", lambda m: m[0] if low <= int(m[1]) <= high else "", text, flags=re.M)
    bands = "".join(f'[[bands]]\nkey = "{key}"\nlabel = "{key.title()} fidelity"\nfrom = {low + i * step}\n'
                    f'to = {low + (i + 1) * step if i < 2 else float(high)}\n\n'
                    for i, key in enumerate(("low", "moderate", "high")))
    return re.sub(r"(\[\[bands\]\]\n(?:.+\n)+\n)+", bands, text, count=1)
