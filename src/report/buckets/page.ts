// The style and script of the compared buckets' page (html.ts), after page-shell.ts's own
// (which reads the page's JSON data, BucketPageData). The script draws a row per vantage point and
// target, a column per time bucket; a cell's colour is the share of its results that were
// reachable, in tenths (class s0, red: none, to s10, green: all), and its hover text, made here from
// the counts, says how many of each verdict. Text goes in with textContent and title only, never
// innerHTML: the data holds strings from reports.

export const BUCKET_STYLE =
  `
#scale { display: flex; align-items: center; gap: .4em; margin: .8em 0 1.2em; }
#scale .ramp { width: 160px; height: 12px; border: 1px solid #0003; ` +
  `background: linear-gradient(90deg, hsl(0,70%,45%), hsl(60,70%,45%), hsl(120,70%,40%)); }
th.time { font-size: 10px; }
td.cell { width: 9px; min-width: 9px; height: 14px; border-radius: 1px; }
#differences li { margin: .2em 0; }
.fell { box-shadow: inset 0 0 0 2px #000c; }
${Array.from({ length: 11 }, (_, i) => `.s${i} { background: hsl(${i * 12},70%,${i === 10 ? 40 : 45}%); }`).join('\n')}
`;

export const BUCKET_SCRIPT =
  `
  document.getElementById('heading').textContent = data.heading;
  const scale = document.getElementById('scale');
  const absent = el('span', 'swatch absent');
  scale.append('share reachable: none', el('span', 'ramp'), 'all;', absent, 'no report');
  if (data.groups.some((g) => g.rows.some((r) => r.rates))) {
    const fell = el('span', 'swatch fell');
    scale.append(';', fell, 'median transfer rate 10x or more below the fastest of its row (hover: the rate)');
  }

  const table = document.getElementById('heatmap');
  const head = table.createTHead().insertRow();
  head.appendChild(el('th', '', ''));
  for (const b of data.buckets) head.appendChild(el('th', 'time', b));
  const body = table.createTBody();
  let drawn = 0;
  // A cell is [verdict index, count, verdict index, count, ...], or 0 where no report had the target.
  const cellOf = (row, cell, i) => {
    if (!cell) {
      const td = el('td', 'cell absent');
      td.title = row.name + ', ' + data.buckets[i] + ': no report';
      return td;
    }
    let total = 0;
    let ok = 0;
    const lines = [];
    for (let k = 0; k < cell.length; k += 2) {
      const verdict = data.verdicts[cell[k]];
      const n = cell[k + 1];
      total += n;
      if (data.success.includes(cell[k])) ok += n;
      lines.push(verdict + ' ' + n);
    }
    const share = ok / total;
    // [text, fell]: the bucket's median transfer rate, and whether it is tenfold below the row's fastest.
    const rate = row.rates ? row.rates[i] : 0;
    if (rate) lines.push('median rate ' + rate[0] + (rate[1] ? ' (10x or more below its fastest)' : ''));
    // Tenths, rounded down: only a cell where every result was reachable is the full green.
    const td = el('td', 'cell s' + Math.floor(share * 10) + (rate && rate[1] ? ' fell' : ''));
    td.dataset.share = share.toFixed(3);
    if (rate) td.dataset.rate = rate[0];
    td.title = row.name + ', ' + data.buckets[i] + ': ' + Math.round(share * 100) + '% reachable (' + ok + ` +
  `' of ' + total + ')\\n' + lines.join('\\n');
    drawn++;
    return td;
  };
  for (const g of data.groups) {
    const th = el('th', '', g.title);
    th.colSpan = data.buckets.length + 1;
    const tr = body.insertRow();
    tr.className = 'group';
    tr.appendChild(th);
    for (const row of g.rows) {
      const r = body.insertRow();
      r.appendChild(el('th', 'name', row.name));
      row.cells.forEach((cell, i) => r.appendChild(cellOf(row, cell, i)));
    }
  }
  const list = document.getElementById('differences');
  list.before(el('h2', '', data.differences.title));
  for (const line of data.differences.lines) list.appendChild(el('li', '', line));
  document.body.dataset.drawn = String(drawn);
`;

/**
 * Before the history page's script (history/page.ts): the store's compact cells (buckets/plot.ts) made
 * into the cells that script draws, each with its span on the time axis and its hover text.
 */
export const BUCKET_EXPAND = `
  const pairs = (cell, names) => {
    const out = [];
    for (let k = 1; k < cell.length; k += 2) out.push([names[cell[k]], cell[k + 1], cell[k]]);
    return out;
  };
  const at = (i, row) => ({ x1: data.axis[i], x2: data.axis[i + 1], head: row.name + ', ' + data.buckets[i] + ': ' });
  data.reports = data.totals.flatMap((n, i) =>
    n ? [{ at: data.axis[i], label: data.buckets[i], title: n + ' result(s)', partial: false }] : [],
  );
  const stateNames = data.states.map((s) => s.name);
  data.services = data.services.map((row) => ({
    name: row.name,
    cells: row.cells.map((c, i) => {
      if (!c) return null;
      const got = pairs(c, stateNames);
      const total = got.reduce((t, p) => t + p[1], 0);
      const state = stateNames[c[0]];
      const n = got.find((p) => p[0] === state)[1];
      const { head, ...span } = at(i, row);
      const title = head + state + ' (' + n + ' of ' + total + ' report(s))\\n' +
        got.map((p) => p[1] + ' ' + p[0]).join(', ');
      return { ...span, state, title };
    }),
  }));
  const verdictNames = data.verdicts.map((v) => v.name);
  data.rows = data.rows.map((row) => ({
    service: row.service,
    name: row.name,
    cells: row.cells.map((c, i) => {
      if (!c) return null;
      const got = pairs(c, verdictNames);
      const total = got.reduce((t, p) => t + p[1], 0);
      const ok = got.filter((p) => data.success.includes(p[2])).reduce((t, p) => t + p[1], 0);
      const { head, ...span } = at(i, row);
      const lines = [head + Math.round((ok / total) * 100) + '% reachable (' + ok + ' of ' + total + ')'];
      for (const p of got) lines.push(p[0] + ' ' + p[1]);
      const rate = row.rates ? row.rates[i] : 0;
      if (rate) lines.push('median rate ' + rate[0] + (rate[1] ? ' (10x or more below its fastest)' : ''));
      return { ...span, verdict: verdictNames[c[0]], title: lines.join('\\n') };
    }),
  }));
`;
