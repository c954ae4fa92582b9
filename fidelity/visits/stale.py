"""Forms opened before someone else saved (another tab, the other trainer at consensus): each field carries a stamp
of what the page showed, so a save writes only what this trainer changed, keeps what others changed meanwhile,
and refuses, naming the items, where both changed the same one (pressing Save again then keeps this trainer's)."""
import hashlib

from fidelity.errors import FidelityError


class StaleForm(FidelityError):
    """Fields changed both on this page and elsewhere since it was opened; `fresh` holds their current stamps."""

    def __init__(self, problems, fresh):
        super().__init__("Nothing was saved: someone changed the same items since you opened this page.", problems)
        self.fresh = fresh


def stamp(choice, note):
    """A short fingerprint of a choice ('', 'NA' or a point) and a note as a page shows and sends them."""
    plain = (note or "").replace("\r\n", "\n").strip()
    return hashlib.sha256(f"{(choice or '').strip()}\n{plain}".encode()).hexdigest()[:16]


def shown(row):
    """(choice, note) as a page shows a stored rating or consensus row (None: not rated)."""
    if row is None:
        return "", ""
    return ("NA" if row.not_applicable else "" if row.value is None else str(row.value)), row.note or ""


def page_stamps(current, posted=None, fresh=None):
    """The stamps a page carries ({key: stamp}): of what is stored (`current`: {key: (choice, note)}), or for a
    form shown again as sent, those it was sent with (the current ones where it clashed)."""
    if posted is None:
        return {key: stamp(*value) for key, value in current.items()}
    return {key: posted.get(f"was_{key}", "") for key in current} | (fresh or {})


def merge(form, fields):
    """The keys to leave as stored (changed elsewhere, not here), from `fields` {key: (label, now, mine)} with
    `now` and `mine` (choice, note) pairs; raise StaleForm where both changed. Unstamped fields count as changed."""
    leave, clashes, fresh = [], [], {}
    for key, (label, now, mine) in fields.items():
        was, now_stamp, mine_stamp = form.get(f"was_{key}"), stamp(*now), stamp(*mine)
        if not was or now_stamp in (was, mine_stamp):
            continue
        if mine_stamp == was:
            leave.append(key)
        else:
            clashes.append(f"{label}: changed elsewhere since you opened this page (another tab, or the other "
                           "trainer). Yours is shown below: press Save again to keep it, or reload the page to "
                           "see the other.")
            fresh[key] = now_stamp
    if clashes:
        raise StaleForm(clashes, fresh)
    return leave


def item_fields(form, entries, rows, items):
    """merge()'s fields for the items a form sent: {item: (label, stored (choice, note), sent (choice, note))}."""
    names = {i.number: i.name for i in items}
    return {n: (f"Item {n} ({names[n]})", shown(rows.get(n)), (form.get(f"choice_{n}"), form.get(f"note_{n}")))
            for n in entries if n in names}


def already_on_record(fields):
    """Whether every field a form sent ({key: (label, now, mine)}, as merge() takes) shows what is stored: the
    same form sent again (a double click, Send again after a slow answer) after the first took effect."""
    return all(stamp(*now) == stamp(*mine) for _, now, mine in fields.values())
