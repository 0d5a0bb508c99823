// A real OpenID Connect provider (the npm package oidc-provider) for the portal's "Sign in with NHSmail" tests.
// It stands in for NHSmail on loopback: plain http, one client (the portal), three people, and a sign-in form a
// browser (or a test's HTTP client) fills in.
//
//   node tests/oidc/provider.mjs --port 9000 --client-id portal --client-secret s3cret \
//     --redirect-uri http://testserver/accounts/oidc/nhsmail/login/callback/ [--redirect-uri ...]
//
// Each option may come from the environment instead (OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URIS, comma-separated). The issuer is http://127.0.0.1:<port>. It prints "ready <issuer>" once
// it listens.

import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

// Who can sign in here. The portal's tests know these addresses and the one password.
const PASSWORD = 'nhsmail-password';
const ACCOUNTS = {
  'invited@nhs.net': { name: 'Dr Ivy Invited', email_verified: true },
  'stranger@nhs.net': { name: 'Sam Stranger', email_verified: true },
  'unverified@nhs.net': { name: 'Una Unverified', email_verified: false },
};

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.OIDC_PORT },
    'client-id': { type: 'string', default: process.env.OIDC_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.OIDC_CLIENT_SECRET },
    'redirect-uri': { type: 'string', multiple: true, default: (process.env.OIDC_REDIRECT_URIS || '').split(',').filter(Boolean) },
  },
});
for (const name of ['port', 'client-id', 'client-secret']) {
  if (!options[name]) {
    console.error(`provider.mjs: --${name} is required`);
    process.exit(2);
  }
}
if (!options['redirect-uri'].length) {
  console.error('provider.mjs: at least one --redirect-uri is required');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${options.port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: options['client-id'],
    client_secret: options['client-secret'],
    redirect_uris: options['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-cookie-key-not-a-secret'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The portal is a first-party client, as it is with NHSmail: no consent page, the scopes it asks for are granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: sub, email_verified: account.email_verified, name: account.name };
      },
    };
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(uid, { error = '', email = '' } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NHSmail (test provider): sign in</title></head>
<body><main>
<h1>NHSmail sign in (test provider)</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <p><label for="email">Email address</label> <input id="email" name="email" type="email" value="${escape(email)}"></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
  <p><button type="submit">Sign in</button></p>
</form>
</main></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (!action && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page(uid));
    return;
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const email = (form.get('email') || '').trim().toLowerCase();
    if (!ACCOUNTS[email] || form.get('password') !== PASSWORD) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(uid, { error: 'Wrong email address or password.', email }));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405);
  res.end();
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  const match = req.url.match(/^\/interaction\/([\w-]+)(?:\/(login))?\/?$/);
  if (!match) {
    handle(req, res);
    return;
  }
  interaction(req, res, match[1], match[2]).catch((error) => {
    console.error(error);
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`Sign-in failed: ${error.message}`);
  });
});

server.listen(Number(options.port), '127.0.0.1', () => console.log(`ready ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
