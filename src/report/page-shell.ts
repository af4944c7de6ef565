// The frame of reachprobe's self-contained pages (history --html, history --db --html): nothing
// fetched, and no report text ever parsed as HTML. Every string that comes from a report travels as
// JSON data in a script element (its `<` escaped, so no report text can end the element) and the
// page's script puts it in the DOM with textContent and title. The page also forbids itself any
// fetch (Content-Security-Policy).

/** JSON that can sit inside a script element: no `<` (so no `</script>`, no `<!--`), and no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export interface Page {
  style: string;
  /** The markup the script fills; fixed text only. */
  body: string;
  data: unknown;
  script: string;
}

export function renderPage({ style, body, data, script }: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reachprobe history</title>
<style>
${style}
</style>
</head>
<body>
<h1>reachprobe history</h1>
<p id="heading"></p>
<noscript><p>This page draws its heatmap with JavaScript: allow scripts for this file to see it.</p></noscript>
${body}
<script type="application/json" id="data">${scriptSafeJson(data)}</script>
<script>
${script}
</script>
</body>
</html>
`;
}
