// Performance peer: an OAuth 2.0 Device Authorization Grant (RFC 8628) server
// built on panva's `oidc-provider`, for side-by-side benchmarks against our
// CLI-login API (POST /api/v1/auth/cli + /api/v1/auth/cli/poll).
//
// Run:   node oidc-device-server.mjs            (from /tmp/peer, or with
//        NODE_PATH=/tmp/peer/node_modules, or with OIDC_PEER_DIR=/tmp/peer)
// Env:   PORT (default 3999), HOST (default 127.0.0.1),
//        OIDC_PEER_DIR (folder whose node_modules holds oidc-provider; tried
//        after the working directory and NODE_PATH, default /tmp/peer),
//        OIDC_VERBOSE=1 keeps oidc-provider's one-time NOTICE/WARNING lines.
//
// Settings: default in-memory adapter (an LRU of 1000 entries; each pending
// device authorization takes 2: the DeviceCode and its user_code index),
// generated RSA signing key, random cookie keys, dev interactions off, explicit
// TTLs (the library defaults), NODE_ENV=production unless set.

import { createRequire } from 'node:module';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.NODE_ENV ??= 'production';

const PORT = Number.parseInt(process.env.PORT ?? '3999', 10);
const HOST = process.env.HOST ?? '127.0.0.1';
const VERBOSE = process.env.OIDC_VERBOSE === '1';

// ESM bare imports ignore NODE_PATH and resolve from this file's folder, so
// resolve the package with CommonJS rules (cwd, then NODE_PATH, then the
// fallback folder) and import the resolved file.
function resolveProvider() {
  const bases = [process.cwd(), process.env.OIDC_PEER_DIR ?? process.env.PEER_DIR ?? '/tmp/peer'];
  const errors = [];
  for (const base of bases) {
    try {
      return createRequire(join(base, 'noop.js')).resolve('oidc-provider');
    } catch (err) {
      errors.push(`${base}: ${err.code ?? err.message}`);
    }
  }
  throw new Error(`oidc-provider not found (${errors.join('; ')}); `
    + 'run `npm install oidc-provider@9.13.3` in /tmp/peer');
}

// oidc-provider prints one-time notices through console.info/warn with this
// prefix (e.g. the in-memory adapter warning, which is expected here).
if (!VERBOSE) {
  for (const level of ['info', 'warn']) {
    const orig = console[level].bind(console);
    console[level] = (...args) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider ')) return;
      orig(...args);
    };
  }
}

const providerPath = resolveProvider();
const { default: Provider } = await import(pathToFileURL(providerPath).href);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'peer-rs256', alg: 'RS256', use: 'sig' };

const html = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;

const configuration = {
  clients: [{
    client_id: 'cli',
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
    deviceFlow: {
      enabled: true,
      // Minimal pages for the browser half of the flow (never hit by the bench).
      async userCodeInputSource(ctx, form, out, err) {
        ctx.body = html('Sign in', `${err ? '<p>Invalid or expired code.</p>' : ''}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
      },
      async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
        ctx.body = html('Confirm', `<p>Code ${userCode}</p>${form}<button type="submit" form="op.deviceConfirmForm">Continue</button>`);
      },
      async successSource(ctx) {
        ctx.body = html('Done', '<p>Sign-in complete. You may close this window.</p>');
      },
    },
    revocation: { enabled: true },
  },
  // Same values as the library defaults; set explicitly to silence its notices.
  ttl: {
    AccessToken: 60 * 60,
    AuthorizationCode: 60,
    DeviceCode: 10 * 60,
    Grant: 14 * 24 * 60 * 60,
    IdToken: 60 * 60,
    Interaction: 60 * 60,
    RefreshToken: 14 * 24 * 60 * 60,
    Session: 14 * 24 * 60 * 60,
  },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
};

const provider = new Provider(`http://${HOST}:${PORT}`, configuration);
provider.proxy = false;

let serverErrors = 0;
provider.on('server_error', (ctx, err) => {
  serverErrors += 1;
  if (serverErrors <= 5) process.stderr.write(`server_error: ${err?.stack ?? err}\n`);
});

const server = provider.listen(PORT, HOST, () => {
  process.stdout.write(`oidc-device-server pid=${process.pid} node=${process.version} `
    + `oidc-provider=${createRequire(providerPath)('../package.json').version} `
    + `listening on http://${HOST}:${PORT}\n`);
});

function shutdown(signal) {
  process.stdout.write(`oidc-device-server ${signal}: server_errors=${serverErrors}\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
