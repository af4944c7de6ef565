// The frame of reachprobe's self-contained pages (history --html, history --db --html): nothing
// fetched, and no report text ever parsed as HTML. Every string that comes from a report travels as
// JSON data in a script element (its `<` escaped, so no report text can end the element) and the
// page's script puts it in the DOM with textContent and title. The page also forbids itself any
// fetch (Content-Security-Policy).

/** JSON that can sit inside a script element: no `<` (so no `</script>`, no `<!--`), and no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** What every page's style starts with; a page adds its own rules. */
const BASE_STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fff; }
h1 { font-size: 1.3em; margin: 0 0 .2em; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; border: 1px solid #0003; }
.scroll { overflow-x: auto; }
table { border-collapse: separate; border-spacing: 1px; }
th { font-weight: normal; text-align: left; white-space: nowrap; }
tr.group th { font-weight: bold; padding-top: .7em; }
th.name { padding: 0 .8em 0 1em; }
td.cell:hover { outline: 2px solid #000; }
.absent { background: repeating-linear-gradient(45deg, #e8e8e8 0 3px, #fff 3px 6px); }
th.time { writing-mode: vertical-rl; transform: rotate(180deg); color: #444; padding: .3em 0; }
`;

/** What every page's script starts with: its data, and `el` to make an element with a class and a text. */
const SCRIPT_PRELUDE = `'use strict';
(function () {
  const data = JSON.parse(document.getElementById('data').textContent);
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
`;

export interface Page {
  style: string;
  /** The markup the script fills; fixed text only. */
  body: string;
  data: unknown;
  /** The body of the page's function, after SCRIPT_PRELUDE. */
  script: string;
  /** Scripts inlined before the page's own (plot-library.ts), our packages' code, never a report's. */
  libraries?: string[];
}

/** A library's code as a script element's text: nothing in it may end the element or open a comment. */
function inlineScript(code: string): string {
  if (/<\/script|<!--/i.test(code)) throw new Error('a library holds </script or <!--: it cannot be inlined');
  return `<script>\n${code}\n</script>\n`;
}

export function renderPage({ style, body, data, script, libraries = [] }: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reachprobe history</title>
<style>
${BASE_STYLE}${style}
</style>
</head>
<body>
<h1>reachprobe history</h1>
<p id="heading"></p>
<noscript><p>This page draws its heatmap with JavaScript: allow scripts for this file to see it.</p></noscript>
${body}
<script type="application/json" id="data">${scriptSafeJson(data)}</script>
${libraries.map(inlineScript).join('')}<script>
${SCRIPT_PRELUDE}${script}})();
</script>
</body>
</html>
`;
}
