/**
 * The pages Gatehouse renders itself: the static provider's sign-in form, the small "signed in"
 * page on the sign-in host, and the confirmations for sign-out and for a cross-site hand-off.
 */
import { escapeHtml } from './http.ts';

const STYLE = `body{font:16px/1.4 system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(22rem,90vw)}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}button{margin-top:1.2rem;width:100%;padding:.6rem;font:inherit}
.error{color:#a00;margin:0 0 .5rem}a.cancel{display:block;margin-top:.8rem;text-align:center}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export interface SignInPageValues {
  action: string;
  csrf: string;
  redirectUri: string;
  handoff?: string;
  email?: string;
  error?: string;
}

const hidden = (name: string, value: string | undefined) =>
  value === undefined ? '' : `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

export function renderSignInPage(v: SignInPageValues): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1>${v.error ? `<p class="error" role="alert">${escapeHtml(v.error)}</p>` : ''}` +
      `<form method="post" action="${escapeHtml(v.action)}">` +
      hidden('csrf', v.csrf) +
      hidden('redirect_uri', v.redirectUri) +
      hidden('handoff', v.handoff) +
      `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(v.email ?? '')}">` +
      `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>` +
      `<button type="submit">Sign in</button></form>`,
  );
}

export function renderSignedInPage(who: string, signOutUrl: string): string {
  return page(
    'Signed in',
    `<h1>Signed in</h1><p>You are signed in as <strong>${escapeHtml(who)}</strong>.</p><p><a href="${escapeHtml(signOutUrl)}">Sign out</a></p>`,
  );
}

/** "Sign out?": the button posts the form with its CSRF token; GET alone never signs out. */
export function renderSignOutPage(v: { action: string; csrf: string; redirectUri: string; who?: string; error?: string }): string {
  return page(
    'Sign out',
    `<h1>Sign out?</h1>${v.error ? `<p class="error" role="alert">${escapeHtml(v.error)}</p>` : ''}` +
      (v.who ? `<p>You are signed in as <strong>${escapeHtml(v.who)}</strong>.</p>` : '') +
      `<form method="post" action="${escapeHtml(v.action)}">` +
      hidden('csrf', v.csrf) +
      hidden('redirect_uri', v.redirectUri) +
      `<button type="submit">Sign out</button></form>` +
      `<a class="cancel" href="${escapeHtml(v.redirectUri)}">Cancel</a>`,
  );
}

/** "Continue to app.example.test?": a GET form to the same sign-in URL plus a `confirm` token. */
export function renderContinuePage(v: { action: string; host: string; who: string; fields: Record<string, string> }): string {
  return page(
    'Continue',
    `<h1>Continue to ${escapeHtml(v.host)}?</h1>` +
      `<p>You are signed in as <strong>${escapeHtml(v.who)}</strong>. Another site sent you here to sign in to <strong>${escapeHtml(v.host)}</strong>.</p>` +
      `<form method="get" action="${escapeHtml(v.action)}">` +
      Object.entries(v.fields)
        .map(([k, val]) => hidden(k, val))
        .join('') +
      `<button type="submit">Continue</button></form>`,
  );
}

/** Shown when sign-in cannot reach the shared state: nothing is wrong with what the user did. */
export function renderUnavailablePage(): string {
  return page(
    'Try again shortly',
    '<h1>Sign-in is briefly unavailable</h1><p>Gatehouse cannot reach its session store right now. Nothing you entered was kept. Please try again in a few seconds.</p>',
  );
}

export interface WhoAmIValues {
  subject: string;
  email?: string;
  name?: string;
  groups: readonly string[];
  /** When the session ends (ISO 8601). */
  expiresAt?: string;
  routes: readonly { from: string; prefix: string; public: boolean }[];
  signOutUrl: string;
}

/** `/.gatehouse/user` for a browser: who the session says you are, and where its policies let you in. */
export function renderWhoAmIPage(v: WhoAmIValues): string {
  const row = (label: string, value: string | undefined) => (value ? `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>` : '');
  const list = (items: string[], none: string) =>
    items.length > 0 ? `<ul style="padding-left:1.2rem;overflow-wrap:anywhere">${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : `<p>${escapeHtml(none)}</p>`;
  const routes = v.routes.map((r) => {
    const where = r.prefix === '/' ? r.from : `${r.from}${r.prefix}`;
    // A wildcard host or port is a pattern, not a place to go.
    const text = where.includes('*') ? escapeHtml(where) : `<a href="${escapeHtml(where)}">${escapeHtml(where)}</a>`;
    return r.public ? `${text} (public)` : text;
  });
  return page(
    'Signed in',
    `<h1>Signed in</h1><dl style="overflow-wrap:anywhere">` +
      row('Email', v.email) +
      row('Name', v.name) +
      row('Subject', v.subject) +
      row('Session ends', v.expiresAt) +
      `</dl><h2 style="font-size:1rem">Groups</h2>` +
      list(v.groups.map(escapeHtml), 'No groups.') +
      `<h2 style="font-size:1rem">Routes that admit you</h2>` +
      list(routes, 'No route’s policy admits you.') +
      `<form method="get" action="${escapeHtml(v.signOutUrl)}"><button type="submit">Sign out</button></form>`,
  );
}
