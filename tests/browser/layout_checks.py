"""What the layout tests look for in a page, shared by the dashboard, resize, extremes, print and
accessibility tests: printable paper sizes, the scripts that list problems in a page, and axe-core's serious
violations."""
from axe_playwright_python.sync_playwright import Axe  # for its bundled axe-core


# Printable width and height in CSS px at 96 dpi, less Chromium's default print margins (0.4 in each side).
PAPER = {"A4": (794 - 77, 1123 - 77), "Letter": (816 - 77, 1056 - 77)}

# The boxes Plotly draws for one chart, and the problems among them: outside the chart, or overlapping.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  document.querySelectorAll('.plot').forEach(plot => {
    const outer = plot.getBoundingClientRect();
    const parts = [...plot.querySelectorAll('.gtitle, .xtitle, .ytitle, .y2title, .legend, .annotation')]
      .map(el => ({name: el.getAttribute('class').split(' ')[0] + ':' + (el.textContent || '').slice(0, 30),
                   box: el.getBoundingClientRect()}))
      .filter(p => p.box.width > 0 && p.box.height > 0);
    for (const p of parts) {
      const b = p.box;
      if (b.left < outer.left - 1 || b.right > outer.right + 1 || b.top < outer.top - 1 || b.bottom > outer.bottom + 1)
        problems.push(plot.id + ' ' + p.name + ' leaves the chart');
    }
    for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
      const a = parts[i].box, b = parts[j].box;
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        problems.push(plot.id + ' ' + parts[i].name + ' overlaps ' + parts[j].name);
    }
  });
  return problems;
}"""

PRINT_PROBLEMS = """(pageHeight) => [...document.querySelectorAll('figure.chart-figure')].flatMap(f => {
  const style = getComputedStyle(f), h = f.getBoundingClientRect().height;
  const problems = [];
  if (style.breakInside !== 'avoid') problems.push(f.querySelector('.plot').id + ' may split across pages');
  if (h > pageHeight) problems.push(f.querySelector('.plot').id + ' is taller than a page: ' + h);
  return problems;
})"""

# Two frames: a chart's ResizeObserver callback runs in the frame after a resize, before its paint.
FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Every chart drawn at its box's width: true once the charts have followed a resize.
CHARTS_AT_THEIR_WIDTH = """() => [...document.querySelectorAll('.plot')].every(plot =>
  plot._fullLayout && Math.abs(plot._fullLayout.width - plot.clientWidth) <= 1)"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Elements reaching past the window's right edge (outermost only; what scrolls inside its own box, a wide table,
# does not count), and charts drawn outside their box or, on screen, narrower than it (every chart follows its box:
# the item profile was drawn 660 px wide whatever its box).
OUT_OF_BOX = """(screen) => {
  const width = document.documentElement.clientWidth, problems = [];
  const past = el => el.getBoundingClientRect().right > width + 1;
  const scrollsInside = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  for (const el of document.body.querySelectorAll('*'))
    if (past(el) && !past(el.parentElement) && !scrollsInside(el))
      problems.push(el.tagName + (el.id ? '#' + el.id : '') + ' reaches past the window');
  document.querySelectorAll('script.figure').forEach(script => {
    const plot = document.getElementById(script.dataset.target), box = plot.getBoundingClientRect();
    if (box.right > width + 1) problems.push(plot.id + ' box reaches past the window');
    plot.querySelectorAll('svg.main-svg').forEach(svg => {
      const s = svg.getBoundingClientRect();
      if (s.left < box.left - 1 || s.right > box.right + 1 || (screen && s.width < box.width - 1))
        problems.push(plot.id + ' drawn ' + Math.round(s.width) + ' px wide in a box of ' + Math.round(box.width));
    });
  });
  return problems;
}"""

# Labels whose control is not beside them on the same line, nor just below them.
LABELS_APART = """() => [...document.querySelectorAll('label[for]')].flatMap(label => {
  const control = document.getElementById(label.htmlFor);
  if (!control || !label.getClientRects().length || !control.getClientRects().length) return [];
  const a = label.getBoundingClientRect(), b = control.getBoundingClientRect();
  const across = Math.max(0, b.left - a.right, a.left - b.right);
  const down = Math.max(0, b.top - a.bottom, a.top - b.bottom);
  return across > 40 || down > 24 ? ['label "' + label.textContent.trim() + '" is ' + Math.round(across)
                                      + ' px across and ' + Math.round(down) + ' px down from its control'] : [];
})"""

# Tables reaching past the page, headers outside it or hidden by a box that clips them (a scroll box printed),
# and tables whose headers do not repeat or whose rows may split.
PRINTED_TABLE_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth, problems = [];
  const clipped = (el, box) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX === 'visible') continue;
    const c = p.getBoundingClientRect();
    if (box.left < c.left - 1 || box.right > c.right + 1) return true; } return false; };
  document.querySelectorAll('main table').forEach(table => {
    const box = table.getBoundingClientRect(), name = table.dataset.table || table.className || 'table';
    if (!box.width) return;
    if (box.left < -1 || box.right > width + 1) problems.push(name + ' is ' + Math.round(box.width) + ' px wide');
    const off = [...table.querySelectorAll('thead th')].filter(th => th.getClientRects().length).filter(th => {
      const b = th.getBoundingClientRect();  // (a column not printed, such as links, has no box)
      return !b.width || b.left < -1 || b.right > width + 1 || clipped(th, b);
    }).map(th => '"' + th.textContent.trim() + '"');
    if (off.length) problems.push(name + ': columns off the page: ' + off.join(', '));
    if (table.tHead && getComputedStyle(table.tHead).display !== 'table-header-group')
      problems.push(name + ': its headers do not repeat on each page');
    const row = table.querySelector('tbody tr');
    if (row && getComputedStyle(row).breakInside !== 'avoid') problems.push(name + ': a row may split across pages');
  });
  return problems;
}"""

# What a reader of any page notices: text cut by its box, controls and headings drawn over each other (line by
# line: a link wrapping onto two lines is two boxes), a day split across lines in a table cell or a marked date (days
# inside sentences written in Python are not checked), a table wider than the page's column without a scroll box.
PAGE_PROBLEMS = r"""() => {
  const problems = [], main = document.querySelector('main');
  const shown = el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden'
    && el.checkVisibility();  // (not inside a closed <details>: laid out, never drawn)
  const named = el => el.tagName + (el.id ? '#' + el.id : '') + ' "' + el.textContent.trim().slice(0, 40) + '"';
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el) || el.closest('.visually-hidden, .skip') || el.matches('input, select, textarea')) continue;
    const s = getComputedStyle(el);  // (a control's own text scrolls inside it: not cut)
    if ((s.overflowX === 'hidden' || s.overflowX === 'clip' || s.textOverflow === 'ellipsis')
        && el.scrollWidth > el.clientWidth + 1) problems.push(named(el) + ' is cut');
  }
  const parts = [...document.querySelectorAll('header.site a, header.site button, header.site span, main a, main button, '
    + 'main input, main select, main textarea, main label, main h1, main h2, main h3, main .status, main .badge')]
    .filter(shown).flatMap(el => [...el.getClientRects()].filter(b => b.width && b.height).map(b => [el, b]));
  for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
    const [p, a] = parts[i], [q, b] = parts[j];
    if (p === q || p.contains(q) || q.contains(p)) continue;
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
      problems.push(named(p) + ' overlaps ' + named(q));
  }
  const day = /\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b/g;
  const texts = document.createTreeWalker(main || document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = texts.nextNode());) {
    if (!n.parentElement || !shown(n.parentElement) || !n.parentElement.closest('td, th, .date')) continue;
    for (const m of n.data.matchAll(day)) {
      const r = document.createRange();
      r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      if (new Set([...r.getClientRects()].filter(x => x.width).map(x => Math.round(x.top / 4))).size > 1)
        problems.push('the day "' + m[0] + '" wraps in ' + named(n.parentElement));
    }
  }
  if (main) {
    const column = main.getBoundingClientRect();
    const scrolls = el => { for (let p = el.parentElement; p && p !== main; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
    main.querySelectorAll('table').forEach(t => {
      if (!scrolls(t) && t.getBoundingClientRect().right > column.right + 1)
        problems.push((t.id || t.className || 'a table') + ' reaches past the page by '
                      + Math.round(t.getBoundingClientRect().right - column.right) + ' px');
    });
  }
  return [...new Set(problems)];
}"""

# Printed, a page shows its content: not the menu, the account and sign-out, or the footer.
PRINTED_CHROME = """() => ['header.site nav', 'header.site .who form', 'footer.site', '.skip']
  .filter(selector => [...document.querySelectorAll(selector)].some(el => el.getClientRects().length))
  .map(selector => selector + ' is printed')"""


AXE_SCRIPT = Axe().axe_script
SERIOUS = ("serious", "critical")
# Only the rules that can find a serious or critical problem (and those `also` names): the minor and moderate
# rules would cost time on every page for findings the tests ignore.
AXE_RUN = """({serious, also, only}) => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'rule', values:
  only || axe._audit.rules.filter(r => r.enabled && (serious.includes(r.impact) || also.includes(r.id)))
                          .map(r => r.id)}})"""
# The serious rules whose finding can change with the window's width: a table that scrolls in its box on a phone
# must be reachable by keyboard. The other rules find the same at any width (the axe walk runs them at 768 px).
WIDTH_DEPENDENT = ("scrollable-region-focusable",)


def axe_violations(page, also=(), only=None):
    """axe-core's serious and critical violations in the page, and any of the rules `also` names; `only`: run just
    these rules."""
    if not page.evaluate("() => typeof window.axe === 'object'"):  # injected once per page (two checks may run)
        page.evaluate(AXE_SCRIPT)
    found = page.evaluate(AXE_RUN, {"serious": list(SERIOUS), "also": list(also), "only": only and list(only)})
    return [v for v in found["violations"] if v["impact"] in SERIOUS or v["id"] in also]
