// The style and script of the history page (history-html.ts), after page-shell.ts's own (which
// reads the page's JSON data, PageData). The script builds the legend and the heatmap: one row per
// target under its service's row, one column per report labelled with its start time, then the
// counts per report. Text goes in with textContent and title only, never innerHTML: the data holds
// strings from reports.

export const PAGE_STYLE = `
#legend { display: flex; flex-wrap: wrap; gap: .3em 1.2em; margin: .8em 0 1.2em; }
#legend .item { display: inline-flex; align-items: center; gap: .35em; }
th.time { font-size: 11px; }
th.time.partial { color: #b00; font-style: italic; }
td.cell { width: 14px; min-width: 14px; height: 14px; border-radius: 2px; }
td.count { font-size: 11px; text-align: center; color: #333; }
.gap { border-left: 3px double #555; }
`;

export const PAGE_SCRIPT = `
  const gap = (i) => (data.columns[i].long_gap ? ' gap' : '');
  const table = document.getElementById('heatmap');
  const body = table.createTBody();
  const groupRow = (text) => {
    const th = el('th', '', text);
    th.colSpan = data.columns.length + 1;
    const tr = body.insertRow();
    tr.className = 'group';
    tr.appendChild(th);
  };
  const row = (label, fill) => {
    const tr = body.insertRow();
    tr.appendChild(label);
    data.columns.forEach((c, i) => tr.appendChild(fill(c, i)));
  };
  const swatched = (verdict, text) => {
    const th = el('th', 'name');
    th.append(el('span', 'swatch v-' + verdict), ' ' + text);
    return th;
  };

  document.getElementById('heading').textContent = data.heading;
  const legend = document.getElementById('legend');
  for (const v of data.verdicts) {
    const item = el('span', 'item');
    item.title = v.description;
    item.append(el('span', 'swatch v-' + v.name), v.name);
    legend.appendChild(item);
  }
  const absent = el('span', 'item');
  absent.append(el('span', 'swatch absent'), 'not in that report');
  legend.appendChild(absent);

  const head = table.createTHead().insertRow();
  head.appendChild(el('th', '', ''));
  data.columns.forEach((c, i) => {
    const th = el('th', 'time' + gap(i) + (c.partial ? ' partial' : ''), c.label);
    th.title = c.title;
    head.appendChild(th);
  });

  let service;
  for (const r of data.rows) {
    if (r.service !== service) groupRow(r.service);
    service = r.service;
    row(el('th', 'name', r.name), (c, i) => {
      const cell = r.cells[i];
      const td = el('td', 'cell' + gap(i) + (cell ? ' v-' + cell.verdict : ' absent'));
      td.title = cell ? cell.title : r.name + ': not in this report';
      return td;
    });
  }

  groupRow('Counts per report');
  row(el('th', 'name', 'targets'), (c, i) => el('td', 'count' + gap(i), String(c.targets)));
  for (const v of data.verdicts) {
    row(swatched(v.name, v.name), (c, i) => el('td', 'count' + gap(i), String(c.counts[v.name] || '')));
  }
  document.body.dataset.drawn = String(data.rows.length * data.columns.length);
`;
