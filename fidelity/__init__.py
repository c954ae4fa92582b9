"""Fidelity site visits: scales as data, rating a visit, consensus, reports.

How the parts fit, in the order a visit meets them (each part has its own blueprint, named fidelity_<part>;
templates are shared in templates/fidelity/):
- models.py        ScaleVersion (uploaded scales), Assessment (the visit), AssessmentRater, Rating,
                   ConsensusRating, Amendment; every part and other packages (dashboards, scheduling) read them
- errors.py        FidelityError, the refusal every write operation raises, and how a page flashes it (who may
                   use which page is auth/permissions.py's: fidelity.rate, read_scores, read_drafts, ...)
- queries.py       the read side shared by every part, with the access rules applied (managers: own agency,
                   final visits only)
- scales/          definition.py reads and checks a scale (TOML file or uploaded sheet) into a Scale, with the
                   facts other packages look up (rating range, high and needs-work bands, headline role);
                   files/ holds the shipped TOML files; catalog.py knows every version (shipped, instance/scales/,
                   uploaded) and scale_of(assessment); sheets.py is a scale as a workbook, both ways;
                   operations.py adds an uploaded version; views.py the scale pages and the missing-anchors page;
                   cli.py `flask check-scales`
- visits/          operations.py starts a visit, adds raters, saves and submits a rater's ratings; rules.py is
                   what every rating change checks (shared with consensus); forms.py reads the forms;
                   offline.py the scoring workbook for rating without a network; views.py the visit list,
                   start form, visit page and rating page; housekeeping.py cancels a draft and withdraws
                   submitted ratings; imported.py the interface the historical-ratings
                   import (imports/kinds/ratings.py) writes past visits through
- consensus/       agreement.py raters' agreement (hidden until they hand in); operations.py consensus,
                   finalising and amendments; views.py their pages
- reports/         report.py what one final visit's report shows (page, .xlsx and API alike); charts.py its
                   Plotly figures; filters.py how templates show scores and bands; facts.py the lines on the
                   program and team pages; state.py the state view per unit (program or team) with item
                   statistics; history.py a program's or team's history as lines a report would
                   compare; views.py the report, the history, the state view
- notices/         operations.py tells raters and managers of each step once (a Notification, email when
                   configured); views.py opens a notice (marking it read) and counts unread ones for the menu
- api.py           the JSON API under /api/v1 (blueprint api_fidelity), the same operations and queries
- blueprints.py    the blueprints app.register_blueprints registers

Read-side modules (queries.py, reports/, consensus/agreement.py, scales/catalog.py) never import a write
module (operations.py); write operations commit, nothing else does.
"""
