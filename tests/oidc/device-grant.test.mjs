// A standard OpenID client library, panva's openid-client (on oauth4webapi),
// logs in with the RFC 8628 device grant against `cli-auth-dev` on both
// stores (api.md §8): discovery from the issuer URL alone (OIDC's
// well-known suffix and RFC 8414's path-inserted form), the device
// authorization, `authorization_pending` until a browser approves, then the
// tokens; and `access_denied` when the person denies.
//
//   node --test tests/oidc/device-grant.test.mjs
// Needs: CLI_AUTH_DEV_BIN; `openid-client` resolvable from SDK_FROM
// (scripts/test.sh installs it in .tools/sdk).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { serverCall as devServerCall, startDevServer, stores } from "../js/dev-server.mjs";

const require = createRequire(process.env.SDK_FROM || import.meta.url);
const client = require("openid-client");

const project = "7a1e4b8a-3c2f-4e6d-9a7b-0c1d2e3f4a5b";
const clientKey = "pck_oidc_test_client_key";
const serverKey = "ssk_oidc_test_server_key";
const servers = {};

before(async () => {
  for (const store of stores) {
    servers[store] = await startDevServer({ project, clientKey, serverKey, store });
  }
});

after(() => {
  for (const server of Object.values(servers)) server.stop();
});

/** What the library learns from the issuer URL alone. */
async function discover(baseUrl, algorithm) {
  const issuer = new URL(`${baseUrl}/api/v1/projects/${project}`);
  const config = await client.discovery(issuer, project, undefined, client.ClientSecretPost(clientKey), {
    algorithm,
    execute: [client.allowInsecureRequests], // the dev server is plain http on loopback
  });
  assert.equal(config.serverMetadata().issuer, issuer.href);
  return config;
}

/** A signed-in browser at `verification_uri_complete`: approve or deny. */
async function browser(baseUrl, uri, answer) {
  const loginCode = new URL(uri).searchParams.get("login_code");
  let body = { login_code: loginCode, mode: "deny" };
  let user = null;
  if (answer === "approve") {
    const call = (path, payload) => devServerCall({ baseUrl, project, serverKey }, path, payload);
    user = await call("/users", { primary_email: `oidc-${Date.now()}@example.com` });
    const session = await call("/auth/sessions", { user_id: user.id });
    body = { login_code: loginCode, refresh_token: session.refresh_token };
  }
  const r = await fetch(`${baseUrl}/api/v1/auth/cli/complete`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
    },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return user;
}

describe("openid-client's device flow", { concurrency: true }, () => {
  for (const store of stores) for (const algorithm of ["oidc", "oauth2"]) {
    it(`on ${store}, discovered as ${algorithm}: pending, approved, then the tokens`, async () => {
      const { baseUrl } = servers[store];
      const config = await discover(baseUrl, algorithm);
      const device = await client.initiateDeviceAuthorization(config, {});
      assert.match(device.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.equal(device.verification_uri, `${baseUrl}/handler/cli-auth-confirm`);
      assert.equal(device.interval, 5);
      // Approve only after the library's first poll heard authorization_pending.
      let user;
      const approved = new Promise((resolve) => setTimeout(resolve, 6_500))
        .then(async () => { user = await browser(baseUrl, device.verification_uri_complete, "approve"); });
      const started = Date.now();
      const tokens = await client.pollDeviceAuthorizationGrant(config, device);
      await approved;
      assert.ok(Date.now() - started >= 6_500, "it waited while pending");
      assert.equal(tokens.token_type.toLowerCase(), "bearer");
      assert.ok(tokens.refresh_token);
      const claims = JSON.parse(Buffer.from(tokens.access_token.split(".")[1], "base64url"));
      assert.equal(claims.sub, user.id);
    });
  }

  for (const store of stores) {
    it(`on ${store}: a denial is access_denied`, async () => {
      const { baseUrl } = servers[store];
      const config = await discover(baseUrl, "oidc");
      const device = await client.initiateDeviceAuthorization(config, {});
      await browser(baseUrl, device.verification_uri_complete, "deny");
      await assert.rejects(client.pollDeviceAuthorizationGrant(config, device), (e) => {
        assert.equal(e.error, "access_denied", String(e));
        return true;
      });
    });
  }
});
