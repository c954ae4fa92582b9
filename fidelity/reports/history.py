"""What the history of a program or team shows: per scale, one line per unit and set of visits a report compares.

A program as a whole and each team are separate units, as in the report and the state view. Within a unit a
visit joins the line of the visit its report compares with (queries.comparable): IT-IS rates items 12-13 only
at group visits, so a team's group and individual visits are two lines whose means are over different items;
the IMR Fidelity Scale rates the same items in either format and keeps one line. Built once for the page (chart,
visits table, item tables) and the API alike.
"""
from dataclasses import dataclass

from fidelity import queries
from fidelity.scales import catalog


@dataclass
class Series:
    """One line of a trend: a unit's final visits (oldest first) that each compare with the one before."""

    team: object | None  # None: the whole program
    visits: list
    label: str  # the unit, and what sets the line apart when the unit has more than one

    @property
    def unit(self):
        return queries.unit_name(self.team)

    @property
    def team_id(self):
        return self.team.id if self.team else None

    @property
    def formats(self):
        return _formats(self.visits)

    @property
    def versions(self):
        return _versions(self.visits)


def _formats(visits):
    return sorted({a.format for a in visits})


def _versions(visits):
    return sorted({a.scale_version for a in visits})


def _chains(assessments):
    """{team id: [[visit, ...]]}: each unit's lines of one scale's final visits (oldest first).

    A visit continues the line whose last visit is the newest it compares with (the visit its report's change is
    since, queries.previous_final), or starts a line: no line joins two visits a report would not compare.
    """
    units = {}
    for visit in assessments:
        chains = units.setdefault(visit.team_id, [])
        ends = [c for c in chains if queries.comparable(visit, c[-1])]
        if ends:
            max(ends, key=lambda c: (c[-1].visit_date, c[-1].id)).append(visit)
        else:
            chains.append([visit])
    return units


def _unit_lines(chains):
    """[Series] of one unit: named by the unit alone when it has one line; else by its formats, and its versions
    where formats do not tell."""
    unit = queries.unit_name(chains[0][0].team)
    if len(chains) == 1:
        return [Series(chains[0][0].team, chains[0], unit)]
    lines = []
    for chain in chains:
        formats = _formats(chain)
        label = f"{unit}, {' and '.join(formats)} visits"
        if sum(_formats(c) == formats for c in chains) > 1:
            label += f", version {', '.join(_versions(chain))}"
        lines.append(Series(chain[0].team, chain, label))
    return lines


@dataclass
class Section:
    """One scale's part of the history page."""

    key: str
    title: str
    bands: list  # the current version's
    lines: list  # [Series]
    rows: list  # every visit, newest first, as (assessment, label of its line)
    split: str | None  # why a unit has more than one line, or None

    def trajectories(self, consensus):
        """[(line, [(item number, name, [consensus value at each visit])])]: an item table per line, of the items
        its visits were rated on."""
        return [(line, [(number, name, [consensus[a.id].get(number) for a in line.visits])
                        for number, name in _rated_items(line, consensus)]) for line in self.lines]


def _rated_items(line, consensus):
    """[(number, name)] of the items a line's visits were rated on: those of its newest visit's version and format
    (a line joins only visits rating the same items, queries.comparable). A version no longer installed names no
    items: its table lists the items its visits have a consensus for, unnamed."""
    newest = line.visits[-1]
    try:
        scale = catalog.get_scale(newest.scale_key, newest.scale_version)
    except KeyError:
        return [(number, "") for number in sorted({n for a in line.visits for n in consensus[a.id]})]
    return [(item.number, item.name) for item in scale.items_for(newest.format)]


def sections(assessments):
    """[Section] per scale with final visits, in the catalogue's order."""
    found = []
    for key, title in catalog.scale_keys().items():
        visits = [a for a in assessments if a.scale_key == key]
        if not visits:
            continue
        units = [_unit_lines(chains) for chains in _chains(visits).values()]
        # The whole program first, then teams by name.
        lines = sorted((line for unit in units for line in unit),
                       key=lambda s: (s.team is not None, s.unit, s.visits[0].visit_date, s.visits[0].id))
        label = {a.id: line.label for line in lines for a in line.visits}
        found.append(Section(key, title, catalog.get_scale(key).bands, lines,
                             [(a, label[a.id]) for a in visits[::-1]],
                             _split([line for unit in units if len(unit) > 1 for line in unit])))
    return found


def _split(split):
    """A sentence for the caption on why some unit has more than one line (`split`: the lines of such units)."""
    if not split:
        return None
    formats = {tuple(line.formats) for line in split}
    if len(formats) > 1:
        named = " and ".join(sorted({f for line in split for f in line.formats})).capitalize()
        return (f"{named} visits rate different items on this scale, so each has its own line: a mean is joined "
                "only to means over the same items.")
    return "Visits on versions whose items, summary or bands differ have lines of their own."


def series_json(assessments):
    """The lines of every scale's trend as plain JSON values (API): which visits each joins, oldest first."""
    return [{"scale_key": section.key, "label": line.label, "team_id": line.team_id, "formats": line.formats,
             "scale_versions": line.versions, "assessment_ids": [a.id for a in line.visits]}
            for section in sections(assessments) for line in section.lines]
