// The style and script of the history page (html.ts), after page-shell.ts's own (which reads the
// page's JSON data, PageData). The script draws with Observable Plot (inlined before it): a row per
// service and vantage point, coloured by state, on a time axis (Plot picks ticks from minutes to
// months); a tick per report along the top; then, in a <details> the reader opens, a row per target
// coloured by verdict. A cell's evidence is its hover title and, on a click, the panel under the
// plot. Plot writes every text with textContent: the data holds strings from reports.

export const PAGE_STYLE = `
.plot figure { margin: 0; }
.plot svg { overflow: visible; }
#evidence { white-space: pre-wrap; background: #f6f6f6; padding: .6em .8em; border-radius: 4px; min-height: 3em; }
#targets summary { cursor: pointer; font-weight: bold; margin: .8em 0; }
.plot rect[data-cell] { cursor: pointer; }
`;

export const PAGE_SCRIPT = `
  document.getElementById('heading').textContent = data.heading;
  const evidence = document.getElementById('evidence');
  const width = Math.max(320, document.body.clientWidth);
  const longest = (names) => Math.max(...names.map((n) => n.length));
  const short = (name) => (name.length > 30 ? name.slice(0, 29) + '\\u2026' : name);
  let drawn = 0;
  // Cells as Plot's data: one per report that has the row.
  const cellsOf = (rows, key) =>
    rows.flatMap((r) =>
      r.cells.flatMap((c) =>
        c ? [{ y: r.name, x1: new Date(c.x1), x2: new Date(c.x2), fill: c[key], title: c.title }] : [],
      ),
    );
  // Plot's render hook: the drawn rects, in the order of the index, answer a click with their evidence.
  const clickable = (cells) => (index, scales, values, dimensions, context, next) => {
    const g = next(index, scales, values, dimensions, context);
    g.querySelectorAll('rect').forEach((rect, k) => {
      rect.dataset.cell = String(index[k]);
      rect.addEventListener('click', () => (evidence.textContent = cells[index[k]].title));
    });
    return g;
  };
  const draw = (rows, key, domain, colors, withReports) => {
    const cells = cellsOf(rows, key);
    drawn += cells.length;
    const names = rows.map((r) => r.name);
    const left = Math.min(Math.round(width * 0.45), 12 + 7 * Math.min(30, longest(names)));
    const marks = [
      Plot.rect(cells, {
        x1: 'x1', x2: 'x2', y: 'y', fill: 'fill', title: 'title', inset: 0.5, render: clickable(cells),
      }),
    ];
    if (withReports) {
      marks.push(
        Plot.tickX(data.reports, {
          x: (r) => new Date(r.at), y: () => 'reports', stroke: (r) => (r.partial ? '#b00' : '#888'),
          title: 'title',
        }),
      );
    }
    return Plot.plot({
      width,
      height: 50 + 20 * (names.length + (withReports ? 1 : 0)),
      marginLeft: left,
      x: { type: 'utc', label: 'UTC', grid: true },
      y: { domain: withReports ? ['reports', ...names] : names, label: null, tickFormat: short },
      color: { domain, range: colors, legend: true, label: key },
      marks,
    });
  };
  const states = data.states;
  document.querySelector('#services').append(
    draw(data.services, 'state', states.map((s) => s.name), states.map((s) => s.color), true),
  );
  const verdicts = data.verdicts;
  document.querySelector('#targets summary').textContent =
    'Targets (' + data.rows.length + ' rows): each endpoint, coloured by its verdict';
  document.querySelector('#targets .plot').append(
    draw(data.rows, 'verdict', verdicts.map((v) => v.name), verdicts.map((v) => v.color), false),
  );
  document.body.dataset.drawn = String(drawn);
`;
