/* Tables to work with (every table[data-table]: the dashboards' table views, the visits-due list): sort by any
   column (click its header), filter rows by text, and page through more than 50 rows.
   Our own few lines rather than a library: the pages send every row already (they are the download's
   rows), so sorting and paging in the browser needs no server round trip, and nothing is fetched from a CDN.
   A cell sorts by its data-sort (a date's ISO form) or its text; a "num" cell by its number.
   A table in a closed table view gets its tools when first opened: adding them to every table at once cost the
   program dashboard's first chart a tenth of the main thread's work before it (bench/first_load_bench.py). */
(function () {
  var PAGE = 50, printing = false;
  window.addEventListener('beforeprint', function () { printing = true; });
  window.addEventListener('afterprint', function () { printing = false; });
  function key(cell) {
    var text = cell.dataset.sort || cell.textContent.trim();
    if (cell.classList.contains('num')) {
      var n = parseFloat(text);
      return isNaN(n) ? [1, 0] : [0, n];  // dashes and "n<5" after the numbers
    }
    return text === '—' ? [1, ''] : [0, text.toLowerCase()];
  }
  function compare(a, b) {
    if (a[0] !== b[0]) { return a[0] - b[0]; }
    return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  }
  function enhance(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    if (rows.length < 2) { return; }
    var state = {page: 0, filter: '', shown: rows};
    var tools = document.createElement('div');
    tools.className = 'table-tools no-print';
    var id = 'filter-' + table.dataset.table;
    tools.innerHTML = '<label for="' + id + '">Filter rows</label> <input type="search" id="' + id + '">' +
      ' <span class="table-status" aria-live="polite"></span>' +
      ' <button type="button" class="prev">Previous ' + PAGE + '</button>' +
      ' <button type="button" class="next">Next ' + PAGE + '</button>';
    table.parentNode.parentNode.insertBefore(tools, table.parentNode);
    var status = tools.querySelector('.table-status'), prev = tools.querySelector('.prev'),
      next = tools.querySelector('.next');
    function draw() {
      var pages = Math.max(1, Math.ceil(state.shown.length / PAGE));
      state.page = Math.min(state.page, pages - 1);
      var first = state.page * PAGE, last = Math.min(first + PAGE, state.shown.length);
      rows.forEach(function (r) { r.hidden = true; });
      state.shown.forEach(function (r, i) { body.appendChild(r); r.hidden = i < first || i >= last; });
      status.textContent = state.shown.length ? 'Rows ' + (first + 1) + '-' + last + ' of ' + state.shown.length
        : 'No rows match the filter.';
      var focused = document.activeElement;
      prev.hidden = next.hidden = pages === 1;
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
      // A button disabled under the keyboard's focus drops it to the page's top: hand it to the other one.
      if (focused === next && next.disabled && !prev.disabled) { prev.focus(); }
      if (focused === prev && prev.disabled && !next.disabled) { next.focus(); }
    }
    tools.querySelector('input').addEventListener('input', function (e) {
      var words = e.target.value.trim().toLowerCase();
      state.shown = rows.filter(function (r) { return r.textContent.toLowerCase().indexOf(words) !== -1; });
      state.page = 0;
      draw();
    });
    // Printed, every row of the current order and filter is on the paper (not the page of 50); afterwards the
    // pages come back.
    function showAll() { state.shown.forEach(function (r) { r.hidden = false; }); }
    window.addEventListener('beforeprint', showAll);
    window.addEventListener('afterprint', draw);
    prev.addEventListener('click', function () { state.page -= 1; draw(); });
    next.addEventListener('click', function () { state.page += 1; draw(); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      if (th.classList.contains('no-sort')) { return; }  // an actions column: nothing to order by
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var order = function (a, b) {
          var c = compare(key(a.cells[column]), key(b.cells[column]));
          return ascending ? c : -c;
        };
        rows.sort(order);
        state.shown.sort(order);
        state.page = 0;
        draw();
      });
    });
    draw();
    if (printing) { showAll(); }  // opened by printing (the table views open on beforeprint): every row on the paper
  }
  function whenFirstOpened(view, then) {
    var summary = view.querySelector('summary');
    function opened() {
      summary.removeEventListener('click', opened);
      view.removeEventListener('toggle', opened);
      then();
    }
    summary.addEventListener('click', opened);  // before it opens, so it is never drawn without its tools
    view.addEventListener('toggle', opened);  // opened otherwise: find in page, printing, a script
  }
  document.querySelectorAll('table[data-table]').forEach(function (table) {
    var view = table.closest('details');
    if (view && !view.open) {
      whenFirstOpened(view, function () { enhance(table); });
    } else {
      enhance(table);
    }
  });
})();
