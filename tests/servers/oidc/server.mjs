// The OpenID provider the tests sign in with, on loopback only: oidc-provider
// with two clients, the app ("threadline": a public native client, PKCE,
// loopback redirects at any port) and Dovecot ("dovecot": a confidential
// client that introspects the app's access tokens for IMAP and SMTP logins).
// People sign in at its own login page with the test mailboxes' passwords
// (Dovecot's users file), then consent; refresh tokens rotate.
//
// Usage: node server.mjs PORT USERS_FILE PIDFILE
// Env: TL_OIDC_ACCESS_TTL (seconds an access token lives; default 3600).
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, usersFile, pidFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accessTtl = Number(process.env.TL_OIDC_ACCESS_TTL || 3600);

// email -> password, from lines "email:{PLAIN}password:…".
function passwordOf(email) {
  for (const line of readFileSync(usersFile, 'utf8').split('\n')) {
    const [user, rest] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
    if (user === email && rest.startsWith('{PLAIN}')) return rest.slice(7).split(':')[0];
  }
  return undefined;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'threadline',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      client_id: 'dovecot',
      client_secret: 'dovecot-introspects',
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  scopes: ['openid', 'offline_access', 'email'],
  claims: { openid: ['sub'], email: ['email'] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, email: id }) }),
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: { AccessToken: accessTtl, RefreshToken: 14 * 24 * 3600, Grant: 14 * 24 * 3600, Session: 3600, Interaction: 600 },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['threadline-test-only'] },
});

const page = (title, body) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}`;

async function form(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return Object.fromEntries(new URLSearchParams(data));
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    const html = details.prompt.name === 'login'
      ? page('Sign in', `<form method="post" action="/interaction/${uid}/login">
          <input name="login" placeholder="Email"><input name="password" type="password">
          <button type="submit">Sign in</button></form>`)
      : page('Allow access', `<p>Threadline wants to read and send your mail.</p>
          <form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>
          <form method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
    return;
  }
  if (action === 'login') {
    const { login, password } = await form(req);
    if (!login || passwordOf(login) !== password) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(page('Sign in', '<p class="error">Wrong email or password.</p>'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'The person did not allow access.' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  // Consent: grant what was asked.
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
createServer(async (req, res) => {
  const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?/.exec(req.url);
  if (!match) return callback(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (e) {
    res.writeHead(400, { 'Content-Type': 'text/plain' });
    res.end(String(e));
  }
}).listen(Number(port), '127.0.0.1', () => writeFileSync(pidFile, String(process.pid)));
