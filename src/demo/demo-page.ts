/** One cross-origin technique the demo page tries, with the seed scenario it answers. */
export interface Technique {
  id: string;
  title: string;
  answers: string;
  /** Body of an async function(api) returning the Response to judge; `api` is the API origin. */
  script: string;
  /** The status that means the technique did what it promises. */
  expect: number;
  /** Text the response body must also contain. */
  bodyIncludes?: string;
}

export const techniques: Technique[] = [
  {
    id: 'single-origin',
    title: 'One origin: the API mounted under /api (path-prefix)',
    answers: 'Pomerium "Use a Single Domain"; the Cloudflare Worker on example.com/api/*',
    script: `return fetch(location.origin + '/api/hello', { method: 'POST', headers: { Accept: 'application/json' } });`,
    expect: 200,
  },
  {
    id: 'shared-cookie',
    title: "Shared parent-domain cookie with credentials: 'include' (preflight + trust-cookie)",
    answers: 'Pomerium cookie_domain + credentials: include; Banyan multi-domain CORS with credentials',
    script: `return fetch(api + '/hello', { method: 'PUT', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}' });`,
    expect: 200,
  },
  {
    id: 'header-token',
    title: 'A short-lived token in a header (token endpoint + header-jwt)',
    answers: 'Pomerium X-Pomerium-Authorization; Cloudflare cf-access-token',
    script: `const t = await fetch('/.gatehouse/token?audience=' + encodeURIComponent(api)).then((r) => r.json());
      return fetch(api + '/hello', { method: 'POST', headers: { 'X-Gatehouse-Authorization': t.token, Accept: 'application/json' } });`,
    expect: 200,
  },
  {
    id: 'exemption',
    title: 'A public status path exempted for this origin with a required header (origin-exemption)',
    answers: 'Banyan CORS exemptions by origin, API path and mandatory header',
    script: `return fetch(api + '/status', { headers: { 'X-Demo-Client': 'gatehouse-demo' } });`,
    expect: 200,
  },
  {
    id: 'signed-out-401',
    title: 'No credentials at all: the script can read the 401 and its login_url',
    answers: "Cloudflare 'CORS error' on a redirect to sign-in; the seeds' opaque failures",
    script: `return fetch(api + '/hello');`,
    expect: 401,
    bodyIncludes: '"login_url":"http',
  },
];

/** The demo app's page: runs every technique against the API and shows what the browser saw. */
export function demoPage(apiOrigin: string): string {
  const cards = techniques
    .map(
      (t) => `<section class="card" id="${t.id}" data-expect="${t.expect}" data-body-includes="${(t.bodyIncludes ?? '').replace(/"/g, '&quot;')}">
  <h2>${t.title}</h2><p class="answers">Answers: ${t.answers}</p>
  <p class="result">running…</p><pre class="detail"></pre></section>`,
    )
    .join('\n');
  const runners = techniques.map((t) => `${JSON.stringify(t.id)}: async (api) => { ${t.script} }`).join(',\n  ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse demo</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;color:#1d2330}
.card{border:1px solid #d5d9e2;border-radius:8px;padding:.6rem 1rem;margin:.8rem 0}
.card h2{font-size:1.02rem;margin:.3rem 0}.answers{color:#5b6475;margin:.2rem 0;font-size:.9rem}
.ok .result{color:#0a7d32;font-weight:600}.fail .result{color:#b3261e;font-weight:600}
pre{background:#f5f6f8;padding:.5rem;white-space:pre-wrap;word-break:break-all;font-size:.82rem}
</style></head><body>
<h1>Gatehouse demo</h1>
<p>This page is served from <code id="origin"></code>; the API lives on <code>${apiOrigin}</code>.
Each box below calls the protected API with one technique and shows what the browser saw.</p>
<p id="summary">running…</p>
${cards}
<script type="module">
const api = ${JSON.stringify(apiOrigin)};
document.getElementById('origin').textContent = location.origin;
const runners = {
  ${runners}
};
let passed = 0;
for (const [id, run] of Object.entries(runners)) {
  const card = document.getElementById(id);
  const expected = Number(card.dataset.expect);
  let detail, ok = false;
  try {
    const response = await run(api);
    const body = await response.text();
    ok = response.status === expected && body.includes(card.dataset.bodyIncludes);
    detail = 'HTTP ' + response.status + '\\n' + body;
  } catch (error) {
    detail = 'fetch failed: ' + error.message + ' (the browser blocked the response; see the console)';
  }
  card.classList.add(ok ? 'ok' : 'fail');
  card.dataset.outcome = ok ? 'ok' : 'fail';
  card.querySelector('.result').textContent = ok ? 'worked' : 'did not work';
  card.querySelector('.detail').textContent = detail;
  if (ok) passed++;
}
const summary = document.getElementById('summary');
summary.textContent = passed + ' of ' + Object.keys(runners).length + ' techniques worked';
summary.dataset.done = 'true';
</script></body></html>`;
}
