"""What the layout tests look for in a page, shared by the dashboard, resize, extremes, print and
accessibility tests: printable paper sizes and the scripts that list problems in a page."""

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
