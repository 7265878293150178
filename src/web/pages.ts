/** The server-rendered HTML: the sign-in pages and the dashboard's shell. Every value is escaped. */

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

function page(title: string, body: string, bodyAttrs = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body${bodyAttrs}>
${body}
</body>
</html>
`;
}

/** The sign-in page: the admin token, or a pointer to the one-time link. */
export function signInPage(error?: string): string {
  return page(
    'Sign in · PIA',
    `<main class="signin">
<h1>PIA Mission Control</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/auth/token">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Or ask for a one-time link: <code>pia dashboard</code> in a terminal, or <code>dashboard</code> at the hub's console.</p>
</main>`,
  );
}

/**
 * The page a one-time link opens. The link is used by the button, not by opening the page, so a mail scanner or a
 * chat preview that fetches the link does not spend it.
 */
export function linkPage(token: string): string {
  return page(
    'Sign in · PIA',
    `<main class="signin">
<h1>PIA Mission Control</h1>
<form method="post" action="/auth/link">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<p>This one-time link signs this browser in.</p>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

/** The dashboard's shell: header, navigation and the regions the page's script fills. */
export function shellPage(who: { identity: string; role: string; csrfToken: string }): string {
  return page(
    'PIA Mission Control',
    `<a class="skip" href="#view">Skip to content</a>
<header class="top">
<span class="brand">PIA</span>
<nav aria-label="Main">
<a href="#/fleet" data-nav="fleet">Fleet</a>
<a href="#/deploy" data-nav="deploy">Deploy</a>
<a href="#/tasks" data-nav="tasks">Tasks</a>
<a href="#/approvals" data-nav="approvals">Approvals <span id="approvals-count" class="badge" hidden></span></a>
</nav>
<span class="who"><span id="live" class="live" title="Live updates">●</span> <span id="who">${escapeHtml(who.identity)} · ${escapeHtml(who.role)}</span>
<button type="button" id="signout" class="link">Sign out</button></span>
</header>
<main id="view" tabindex="-1"><p class="muted">Loading…</p></main>
<div id="toasts" class="toasts" role="status" aria-live="polite"></div>
<script type="module" src="/assets/app.js"></script>`,
    ` data-identity="${escapeHtml(who.identity)}" data-role="${escapeHtml(who.role)}" data-csrf="${escapeHtml(who.csrfToken)}"`,
  );
}
