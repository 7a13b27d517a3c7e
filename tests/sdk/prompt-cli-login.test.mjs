// Stack Auth's own JS SDK against us, unchanged: `StackClientApp.promptCliLogin`
// of `@stackframe/js` (the newest release, and 2.8.102, the last that sends
// `x-stack-*` headers) logs in against `cli-auth-dev`, with a stand-in
// browser that completes the login code it is shown; the refresh token it
// returns must be a live session of that browser's user, which the SDK then
// uses by itself (getUser through /auth/oauth/token, getAuthJson, update,
// getActiveSessions, revokeSession, signOut).
//
//   node --test tests/sdk/prompt-cli-login.test.mjs
// Needs: CLI_AUTH_DEV_BIN; the packages `stackframe-js-latest` and
// `stackframe-js-2.8.102` (npm aliases of @stackframe/js) resolvable from
// SDK_FROM (scripts/test.sh installs them in .tools/sdk).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { serverCall as devServerCall, startDevServer, stores } from "../js/dev-server.mjs";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const require = createRequire(process.env.SDK_FROM || import.meta.url);

// The SDK insists on a UUID project id.
const project = "5d1e4b8a-3c2f-4e6d-9a7b-0c1d2e3f4a5b";
const clientKey = "pck_sdk_test_client_key";
const serverKey = "ssk_sdk_test_server_key";
// Per store: a server, and a second one whose access tokens live 22 s (the
// SDK refreshes a token with less than 20 s left before it uses it).
const SHORT_TTL_SECONDS = 22;
const servers = {};

before(async () => {
  for (const store of stores) {
    servers[store] = {
      main: await startDevServer({ project, clientKey, serverKey, store }),
      short: await startDevServer({
        project, clientKey, serverKey, store,
        env: { CLI_AUTH_ACCESS_TOKEN_TTL_SECONDS: String(SHORT_TTL_SECONDS) },
      }),
    };
  }
});

after(() => {
  for (const { main, short } of Object.values(servers)) {
    main.stop();
    short.stop();
  }
});

function serverCall(path, body, baseUrl) {
  return devServerCall({ baseUrl, project, serverKey }, path, body);
}

/** An SDK app holding only a refresh token, as Stack's own CLI builds it. */
function sessionApp(StackClientApp, refreshToken, base) {
  return new StackClientApp({
    baseUrl: base,
    projectId: project,
    publishableClientKey: clientKey,
    tokenStore: { accessToken: "", refreshToken },
    noAutomaticPrefetch: true,
  });
}

/** What a signed-in browser does with the confirm URL: hand over a session. */
async function standInBrowser(url, email) {
  const loginCode = new URL(url).searchParams.get("login_code");
  const base = new URL(url).origin;
  const user = await serverCall("/users", { primary_email: email, display_name: "SDK user" }, base);
  const session = await serverCall("/auth/sessions", { user_id: user.id }, base);
  const complete = await fetch(`${base}/api/v1/auth/cli/complete`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
    },
    body: JSON.stringify({ login_code: loginCode, refresh_token: session.refresh_token }),
  });
  assert.equal(complete.status, 200, await complete.clone().text());
  return user;
}

/** A signed-in browser whose user says no (api.md §8, mode "deny"). */
async function denyingBrowser(url) {
  const loginCode = new URL(url).searchParams.get("login_code");
  const deny = await fetch(`${new URL(url).origin}/api/v1/auth/cli/complete`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
    },
    body: JSON.stringify({ login_code: loginCode, mode: "deny" }),
  });
  assert.equal(deny.status, 200, await deny.clone().text());
}

for (const store of stores) for (const pkg of ["stackframe-js-latest", "stackframe-js-2.8.102"]) {
  // Stack's SDK knows nothing of deny: it stops at the first status it does
  // not know, instead of polling until the attempt expires.
  test(`${pkg} on ${store}: a denied login ends promptCliLogin at once`, async () => {
    const { baseUrl } = servers[store].main;
    const { StackClientApp } = require(pkg);
    const app = new StackClientApp({
      baseUrl, projectId: project, publishableClientKey: clientKey,
      tokenStore: "memory", noAutomaticPrefetch: true,
    });
    let browser = null;
    const started = Date.now();
    const result = await app.promptCliLogin({
      appUrl: baseUrl,
      waitTimeMillis: 50,
      maxAttempts: 1000,
      promptLink: (url) => { browser = denyingBrowser(url); },
    });
    await browser;
    assert.equal(result.status, "error");
    assert.match(String(result.error?.message ?? result.error), /Unexpected status from CLI auth polling: denied/);
    // 1,000 polls 50 ms apart would take 50 s.
    assert.ok(Date.now() - started < 10_000, "it stopped at once");
  });

  test(`${pkg} on ${store}: promptCliLogin completes a login and the session works`, async () => {
    const { baseUrl } = servers[store].main;
    const { StackClientApp } = require(pkg);
    const manifest = join(dirname(process.env.SDK_FROM || "."), "node_modules", pkg, "package.json");
    const version = JSON.parse(readFileSync(manifest, "utf8")).version;
    const app = new StackClientApp({
      baseUrl,
      projectId: project,
      publishableClientKey: clientKey,
      tokenStore: "memory",
      // No dashboard project API here (not part of docs/api.md).
      noAutomaticPrefetch: true,
    });
    const email = `sdk-${version}-${store}@example.com`;
    let prompted = null;
    let browser = null;
    const result = await app.promptCliLogin({
      appUrl: baseUrl,
      waitTimeMillis: 100,
      maxAttempts: 100,
      promptLink: (url, loginCode) => {
        prompted = { url, loginCode };
        browser = standInBrowser(url, email);
      },
    });
    assert.ok(prompted, "the SDK prompted with a link");
    assert.ok(prompted.url.startsWith(`${baseUrl}/handler/cli-auth-confirm?login_code=`), prompted.url);
    const user = await browser;
    assert.equal(result.status, "ok", `@stackframe/js ${version}: ${result.error}`);
    const refreshToken = result.data;
    assert.equal(typeof refreshToken, "string");

    // The refresh token is a live session of the user the browser signed in
    // as, through the REST refresh endpoint...
    const headers = {
      "x-stack-project-id": project, "x-stack-access-type": "client",
      "x-stack-publishable-client-key": clientKey,
    };
    const refreshed = await fetch(`${baseUrl}/api/v1/auth/sessions/current/refresh`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "x-stack-refresh-token": refreshToken },
      body: "{}",
    });
    assert.equal(refreshed.status, 200);
    const { access_token: accessToken } = await refreshed.json();
    const me = await fetch(`${baseUrl}/api/v1/users/me`, {
      headers: { ...headers, "x-stack-access-token": accessToken },
    });
    assert.equal(me.status, 200);
    const body = await me.json();
    assert.equal(body.id, user.id);
    assert.equal(body.primary_email, email);

    // ...and through the SDK itself, holding only that refresh token, as
    // Stack's own CLI does: it refreshes through /auth/oauth/token and
    // validates the access token's claims before it calls /users/me.
    const cliApp = sessionApp(StackClientApp, refreshToken, baseUrl);
    const sdkUser = await cliApp.getUser();
    assert.ok(sdkUser, `@stackframe/js ${version}: getUser() with the CLI's refresh token`);
    assert.equal(sdkUser.id, user.id);
    assert.equal(sdkUser.primaryEmail, email);
    assert.equal(sdkUser.displayName, "SDK user");
    const auth = await sdkUser.getAuthJson();
    assert.equal(auth.refreshToken, refreshToken);
    assert.equal(typeof auth.accessToken, "string");

    // update() goes through PATCH /users/me with client access.
    await sdkUser.update({ displayName: "Renamed", clientMetadata: { theme: "dark" } });
    const fresh = sessionApp(StackClientApp, refreshToken, baseUrl);
    const updated = await fresh.getUser();
    assert.equal(updated.displayName, "Renamed");
    assert.deepEqual(updated.clientMetadata, { theme: "dark" });

    // getActiveSessions() lists the user's sessions through GET
    // /auth/sessions, the CLI's own marked current; revokeSession() ends
    // another one through DELETE /auth/sessions/{id}.
    const other = await serverCall("/auth/sessions", { user_id: user.id }, baseUrl);
    const otherId = other.refresh_token.split(".")[0];
    const cliSessionId = refreshToken.split(".")[0];
    const sessions = await updated.getActiveSessions();
    assert.deepEqual(
      sessions.map((s) => [s.id, s.isCurrentSession, s.userId, s.isImpersonation]),
      [[otherId, false, user.id, false], [cliSessionId, true, user.id, false]],
      "newest first, the CLI's session current",
    );
    for (const s of sessions) {
      assert.ok(s.createdAt instanceof Date && s.lastUsedAt instanceof Date, "dates");
      assert.ok(s.lastUsedAt >= s.createdAt);
    }
    await updated.revokeSession(otherId);
    const revoked = await fetch(`${baseUrl}/api/v1/auth/sessions/current/refresh`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "x-stack-refresh-token": other.refresh_token },
      body: "{}",
    });
    assert.equal(revoked.status, 401, "the revoked session no longer refreshes");
    assert.deepEqual((await updated.getActiveSessions()).map((s) => s.id), [cliSessionId]);
    assert.equal(
      await sessionApp(StackClientApp, other.refresh_token, baseUrl).getUser(),
      null,
      "the SDK holding the revoked session is signed out",
    );

    // signOut() revokes the session: its refresh token is dead, and the SDK
    // sees a signed-out user.
    await sdkUser.signOut();
    const dead = await fetch(`${baseUrl}/api/v1/auth/sessions/current/refresh`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "x-stack-refresh-token": refreshToken },
      body: "{}",
    });
    assert.equal(dead.status, 401);
    assert.equal(dead.headers.get("x-stack-known-error"), "REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED");
    const afterRevoke = sessionApp(StackClientApp, refreshToken, baseUrl);
    assert.equal(await afterRevoke.getUser(), null, "signed out after signOut()");
  });
}

/** The claims of a JWT, unverified (the SDK and the server verify it). */
function claimsOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

for (const store of stores) for (const pkg of ["stackframe-js-latest", "stackframe-js-2.8.102"]) {
  test(`${pkg} on ${store}: an access token near its expiry is refreshed through /auth/oauth/token`, async () => {
    const shortBaseUrl = servers[store].short.baseUrl;
    const { StackClientApp } = require(pkg);
    const user = await serverCall("/users", { display_name: "Short" }, shortBaseUrl);
    const session = await serverCall("/auth/sessions", { user_id: user.id }, shortBaseUrl);
    const app = sessionApp(StackClientApp, session.refresh_token, shortBaseUrl);
    const first = await (await app.getUser()).getAuthJson();
    assert.equal(claimsOf(first.accessToken).exp - claimsOf(first.accessToken).iat, SHORT_TTL_SECONDS);
    // 3 s later the token has under 20 s left: the SDK gets a new one by itself.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const again = await app.getUser();
    assert.equal(again?.id, user.id);
    const second = await again.getAuthJson();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.ok(claimsOf(second.accessToken).exp > claimsOf(first.accessToken).exp);
    assert.equal(second.refreshToken, session.refresh_token, "no rotation");
  });
}
