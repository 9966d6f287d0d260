/**
 * The pages Gatehouse renders itself: the static provider's sign-in form, the small "signed in"
 * page on the sign-in host, and the confirmations for sign-out and for a cross-site hand-off.
 */
import { HEX_COLOUR, logoUrlProblem } from '../../config/branding.ts';
import { escapeHtml } from './http.ts';

/** The default accent: 6.3:1 against the white button text, 5.8:1 against the page background. */
const DEFAULT_ACCENT = '#1a5fb4';

// Colours are fixed except the accent, and every fixed pair meets WCAG AA (4.5:1); the button's
// white text meets it when the accent passes `gatehouse check`'s contrast warning. The focus
// ring is near-black, never the accent, so it stays visible whatever is configured.
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1f2328;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
main{background:#fff;padding:2rem;border-radius:8px;border-top:4px solid var(--accent);box-shadow:0 1px 4px #0002;width:min(22rem,90vw);box-sizing:border-box}
h1{font-size:1.4rem;margin:0 0 1rem}.brand{display:flex;align-items:center;gap:.6rem;margin:0 0 1.2rem}
.brand img{max-height:48px;max-width:100%}.brand p{font-weight:600;margin:0;overflow-wrap:anywhere}
.site{margin:-.6rem 0 1rem;color:#57606a;overflow-wrap:anywhere}.site strong{color:#1f2328}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;color:inherit;background:#fff;border:1px solid #6e7781;border-radius:4px}
button{margin-top:1.2rem;width:100%;padding:.6rem;font:inherit;font-weight:600;color:#fff;background:var(--accent);border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #1f2328;outline-offset:2px}a{color:#0b57d0}
.error{color:#b00020;font-weight:600;margin:0 0 .5rem}a.cancel{display:block;margin-top:.8rem;text-align:center}`;

/** `authenticate.branding` as the pages use it; each value is checked again before use. */
export interface PageBranding {
  title?: string;
  logo_url?: string;
  accent_color?: string;
}

function page(title: string, body: string, branding: PageBranding = {}): string {
  // The config refused anything else already; this keeps a bad value out of the CSS regardless.
  const accent = branding.accent_color && HEX_COLOUR.test(branding.accent_color) ? branding.accent_color : DEFAULT_ACCENT;
  const fullTitle = branding.title ? `${title} · ${branding.title}` : title;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(fullTitle)}</title><style>:root{--accent:${accent}}${STYLE}</style></head><body><main>${brandHeader(branding)}${body}</main></body></html>`;
}

/** The operator's logo and title above the heading; nothing when neither is configured. */
function brandHeader(branding: PageBranding): string {
  const logo = branding.logo_url !== undefined && logoUrlProblem(branding.logo_url) === undefined ? branding.logo_url : undefined;
  if (!logo && !branding.title) return '';
  const img = logo ? `<img src="${escapeHtml(logo)}" alt="${escapeHtml(branding.title ? `${branding.title} logo` : 'Logo')}" height="48">` : '';
  const title = branding.title ? `<p>${escapeHtml(branding.title)}</p>` : '';
  return `<div class="brand">${img}${title}</div>`;
}

export interface SignInPageValues {
  action: string;
  csrf: string;
  redirectUri: string;
  /** The host the user is signing in to (from the checked return URL); not shown when undefined. */
  site?: string;
  handoff?: string;
  email?: string;
  error?: string;
  branding?: PageBranding;
}

const hidden = (name: string, value: string | undefined) =>
  value === undefined ? '' : `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

const ERROR_ID = 'signin-error';

/**
 * The static provider's form. Without scripts: labels name every field, tab order is email,
 * password, button, and an error is a `role=alert` paragraph the fields point to with
 * `aria-describedby`.
 */
export function renderSignInPage(v: SignInPageValues): string {
  const invalid = v.error ? ` aria-invalid="true" aria-describedby="${ERROR_ID}"` : '';
  // After a failed attempt the email is kept, so the password is what to type next.
  const focusEmail = v.email ? '' : ' autofocus';
  const focusPassword = v.email ? ' autofocus' : '';
  return page(
    'Sign in',
    `<h1>Sign in</h1>` +
      (v.site ? `<p class="site">to continue to <strong>${escapeHtml(v.site)}</strong></p>` : '') +
      (v.error ? `<p class="error" id="${ERROR_ID}" role="alert">${escapeHtml(v.error)}</p>` : '') +
      `<form method="post" action="${escapeHtml(v.action)}">` +
      hidden('csrf', v.csrf) +
      hidden('redirect_uri', v.redirectUri) +
      hidden('handoff', v.handoff) +
      `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required${focusEmail}${invalid} value="${escapeHtml(v.email ?? '')}">` +
      `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required${focusPassword}${invalid}>` +
      `<button type="submit">Sign in</button></form>`,
    v.branding,
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
export function renderContinuePage(v: { action: string; host: string; who: string; fields: Record<string, string>; branding?: PageBranding }): string {
  return page(
    'Continue',
    `<h1>Continue to ${escapeHtml(v.host)}?</h1>` +
      `<p>You are signed in as <strong>${escapeHtml(v.who)}</strong>. Another site sent you here to sign in to <strong>${escapeHtml(v.host)}</strong>.</p>` +
      `<form method="get" action="${escapeHtml(v.action)}">` +
      Object.entries(v.fields)
        .map(([k, val]) => hidden(k, val))
        .join('') +
      `<button type="submit">Continue</button></form>`,
    v.branding,
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
