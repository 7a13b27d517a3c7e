// Stack Auth's JS SDK in a real browser, on another origin than the API:
// a page served from one origin loads @stackframe/js (newest and 2.8.102,
// bundled for the browser from npm with esbuild) and uses a session against
// `cli-auth-dev` on another origin, so headless Chromium itself enforces
// CORS on every call, preflights included: getUser (through
// /auth/oauth/token), update, getActiveSessions, revokeSession, signOut.
//
//   node --test tests/browser/sdk-cross-origin.test.mjs
// Needs: CLI_AUTH_DEV_BIN; playwright-core, esbuild and the npm aliases
// `stackframe-js-latest` and `stackframe-js-2.8.102` resolvable from
// SDK_FROM (scripts/test.sh installs them in .tools/sdk); CHROMIUM (default
// /usr/bin/chromium).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { chromiumLaunchOptions } from "../js/chromium.mjs";
import { serverCall as devServerCall, startDevServer } from "../js/dev-server.mjs";

const sdkFrom = process.env.SDK_FROM;
assert.ok(sdkFrom, "set SDK_FROM to the package.json next to the SDK's node_modules");
const require = createRequire(sdkFrom);
const { chromium } = require("playwright-core");
const esbuild = require("esbuild");

const project = "7c0e2f4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
const clientKey = "pck_cross_origin_client_key";
const serverKey = "ssk_cross_origin_server_key";
const packages = ["stackframe-js-latest", "stackframe-js-2.8.102"];

let api, pages, pageOrigin, browser;

/** The SDK bundled for the browser, as an app's build would do it. */
async function bundle(pkg) {
  const result = await esbuild.build({
    stdin: {
      contents: `export { StackClientApp } from "${pkg}";`,
      resolveDir: join(dirname(sdkFrom), "node_modules"),
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0].text;
}

/** A static site on its own origin: `/<pkg>/` loads that SDK's bundle. */
async function startPages() {
  const bundles = Object.fromEntries(
    await Promise.all(packages.map(async (pkg) => [pkg, await bundle(pkg)])),
  );
  const server = createServer((req, res) => {
    const [, pkg, file] = req.url.split("/");
    if (!bundles[pkg]) {
      res.writeHead(404).end();
    } else if (file === "sdk.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(bundles[pkg]);
    } else {
      res.writeHead(200, { "content-type": "text/html" }).end(
        `<!doctype html><title>${pkg}</title><script type="module">
          import { StackClientApp } from "/${pkg}/sdk.js";
          window.StackClientApp = StackClientApp;
          window.sdkReady = true;
        </script>`,
      );
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}

before(async () => {
  api = await startDevServer({ project, clientKey, serverKey });
  pages = await startPages();
  pageOrigin = pages.origin;
  browser = await chromium.launch(chromiumLaunchOptions);
});

after(async () => {
  await browser?.close();
  pages?.stop();
  api?.stop();
});

function serverCall(path, body) {
  return devServerCall({ baseUrl: api.baseUrl, project, serverKey }, path, body);
}

/** Whether the refresh token still gives access tokens (checked from Node). */
async function refreshes(refreshToken) {
  const response = await fetch(`${api.baseUrl}/api/v1/auth/sessions/current/refresh`, {
    method: "POST",
    headers: {
      "x-stack-project-id": project, "x-stack-access-type": "client",
      "x-stack-publishable-client-key": clientKey, "x-stack-refresh-token": refreshToken,
    },
  });
  return response.status === 200;
}

for (const pkg of packages) {
  test(`${pkg} from another origin: Chromium's CORS checks pass on every call`, async () => {
    assert.notEqual(new URL(pageOrigin).origin, new URL(api.baseUrl).origin);
    const user = await serverCall("/users", { display_name: "Browser user", primary_email: `${pkg}@example.com` });
    const cli = await serverCall("/auth/sessions", { user_id: user.id });
    const other = await serverCall("/auth/sessions", { user_id: user.id });
    const page = await browser.newPage();
    const blockedByCors = [];
    page.on("console", (m) => {
      if (/CORS|Access-Control/i.test(m.text())) blockedByCors.push(m.text());
    });
    try {
      await page.goto(`${pageOrigin}/${pkg}/`);
      await page.waitForFunction(() => window.sdkReady === true);

      // The control: this browser does enforce CORS here (a header the API
      // does not allow fails the preflight, so the request is never sent).
      const control = await page.evaluate(async (base) => {
        try {
          await fetch(`${base}/api/v1/users/me`, { headers: { "x-not-allowed-by-cors": "1" } });
          return "sent";
        } catch {
          return "blocked";
        }
      }, api.baseUrl);
      assert.equal(control, "blocked");
      blockedByCors.length = 0;

      const seen = await page.evaluate(
        async ({ baseUrl, projectId, publishableClientKey, refreshToken, otherId }) => {
          // A CLI-style app: no redirects after sign-out (a page's app would
          // navigate to its after-sign-out URL).
          const open = () => new window.StackClientApp({
            baseUrl, projectId, publishableClientKey, noAutomaticPrefetch: true,
            tokenStore: { accessToken: "", refreshToken }, redirectMethod: "none",
          });
          const app = open();
          const user = await app.getUser();
          if (!user) return { error: "getUser() gave no user" };
          await user.update({ displayName: "Renamed in the browser" });
          const renamed = (await open().getUser())?.displayName;
          const before = (await user.getActiveSessions()).map((s) => [s.id, s.isCurrentSession]);
          await user.revokeSession(otherId);
          const afterRevoke = (await user.getActiveSessions()).map((s) => s.id);
          await user.signOut();
          const afterSignOut = await open().getUser();
          return { id: user.id, email: user.primaryEmail, renamed, before, afterRevoke, afterSignOut };
        },
        {
          baseUrl: api.baseUrl, projectId: project, publishableClientKey: clientKey,
          refreshToken: cli.refresh_token, otherId: other.refresh_token.split(".")[0],
        },
      );
      assert.deepEqual(blockedByCors, [], "no call was blocked by CORS");
      const cliId = cli.refresh_token.split(".")[0];
      const otherId = other.refresh_token.split(".")[0];
      assert.deepEqual(seen, {
        id: user.id,
        email: `${pkg}@example.com`,
        renamed: "Renamed in the browser",
        before: [[otherId, false], [cliId, true]],
        afterRevoke: [cliId],
        afterSignOut: null,
      });
      assert.equal(await refreshes(other.refresh_token), false, "revokeSession ended it");
      assert.equal(await refreshes(cli.refresh_token), false, "signOut ended it");
    } finally {
      await page.close();
    }
  });
}
