// The hosted confirm page (api.md §10) with a real OpenID provider: panva's
// oidc-provider (the certified one) on loopback as the team's IdP, with its
// own dev login and consent pages, and cli-auth-dev configured to sign
// people in with it. Headless Chromium goes through the whole thing:
// `cli-auth login` → the page → the IdP → back → Approve → the CLI logged
// in as the IdP's user; the typed short code and Deny; a forged `state`; an
// IdP error; a POST without the CSRF token or from another origin; two
// racing first sign-ins of one person; the proximity warning; JavaScript
// off. On both stores. The memory-store run takes screenshots: into
// target/hosted-page-screenshots/, or, to refresh the ones in the docs,
// SCREENSHOTS_DIR=docs/screenshots.
//
//   node --test tests/browser/hosted-page.test.mjs
// Needs: CLI_AUTH_DEV_BIN, CLI_AUTH_BIN, PLAYWRIGHT_FROM (a package.json
// beside which playwright-core and oidc-provider are installed).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { chromiumLaunchOptions } from "../js/chromium.mjs";
import { startDevServer, stores } from "../js/dev-server.mjs";

const from = process.env.PLAYWRIGHT_FROM || import.meta.url;
const require = createRequire(from);
const { chromium } = require("playwright-core");
const { default: Provider } = await import(
  pathToFileURL(join(dirname(from.replace(/^file:\/\//, "")), "node_modules/oidc-provider/lib/index.js")).href
);

const cliBin = process.env.CLI_AUTH_BIN;
assert.ok(cliBin, "set CLI_AUTH_BIN (and CLI_AUTH_DEV_BIN)");
const project = "hosted-page-project";
const clientKey = "pck_hosted_page_client_key";
const serverKey = "ssk_hosted_page_server_key";
const shots = process.env.SCREENSHOTS_DIR || join(process.cwd(), "target", "hosted-page-screenshots");
let browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await chromium.launch(chromiumLaunchOptions);
});
after(async () => browser?.close());

/** The IdP on a loopback port, then cli-auth-dev signing people in with it. */
async function startWorld(store) {
  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const idpServer = createServer((req, res) => handler(req, res));
  await new Promise((r) => idpServer.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${idpServer.address().port}`;
  const dev = await startDevServer({
    project, clientKey, serverKey, store,
    env: {
      CLI_AUTH_OIDC_ISSUER: issuer,
      CLI_AUTH_OIDC_CLIENT_ID: "cli-auth-page",
      CLI_AUTH_OIDC_CLIENT_SECRET: "page-client-secret",
    },
  });
  const provider = new Provider(issuer, {
    clients: [{
      client_id: "cli-auth-page",
      client_secret: "page-client-secret",
      redirect_uris: [`${dev.baseUrl}/handler/oidc/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    }],
    // The dev login form takes any login: the person is <login>@example.test.
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        claims: () => ({ sub: `sub-${id}`, email: `${id}@example.test`, email_verified: true, name: `Person ${id}` }),
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    pkce: { required: () => true },
    cookies: { keys: ["test-cookie-key"] },
  });
  handler = provider.callback();
  return {
    base: dev.baseUrl, issuer,
    stop() { dev.stop(); idpServer.close(); },
  };
}

function cli(world, args, credentials) {
  const child = spawn(cliBin, args, {
    env: {
      ...process.env, CLI_AUTH_BASE_URL: world.base, CLI_AUTH_PROJECT_ID: project,
      CLI_AUTH_PUBLISHABLE_CLIENT_KEY: clientKey, CLI_AUTH_CREDENTIALS_FILE: credentials,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => { stdout += d; });
  child.stderr.on("data", (d) => { stderr += d; });
  const done = new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

async function startLogin(world, credentials) {
  const run = cli(world, ["login", "--no-browser", "--poll-interval-ms", "200"], credentials);
  for (let i = 0; i < 100; i++) {
    const url = run.stderr().match(/^\s+(http:\/\/\S+\/handler\/cli-auth-confirm\?login_code=\S+)$/m);
    const userCode = run.stderr().match(/^\s+([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})$/m);
    if (url && userCode) return { ...run, url: url[1], userCode: userCode[1] };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cli-auth login printed no link: ${run.stderr()}`);
}

/** The API, as a CLI calls it; `localAddress` picks the CLI's address. */
function api(world, path, body, localAddress) {
  const url = new URL(`${world.base}/api/v1${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname, port: url.port, path: url.pathname, method: "POST", localAddress,
      headers: {
        "content-type": "application/json", "x-stack-project-id": project,
        "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
      },
    }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode, json: JSON.parse(text || "null") }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** At the IdP's dev pages: log in as `login`, then consent. */
async function signInAtIdp(page, world, login) {
  await page.waitForURL((u) => u.href.startsWith(world.issuer));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any");
  await page.getByRole("button", { name: /sign-in/i }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForURL((u) => u.href.startsWith(world.base));
}

async function withContext(options, body) {
  const context = await browser.newContext(options);
  try {
    return await body(context, await context.newPage());
  } finally {
    await context.close();
  }
}

for (const store of stores) {
  test(`[${store}] cli-auth login through the team's IdP, approved on the page`, async () => {
    const world = await startWorld(store);
    try {
      const credentials = join(mkdtempSync(join(tmpdir(), "hosted-")), "credentials.json");
      const login = await startLogin(world, credentials);
      await withContext({}, async (_c, page) => {
        await page.goto(login.url);
        await signInAtIdp(page, world, "ada");
        await page.getByRole("heading", { name: /approve a command-line login/i }).waitFor();
        assert.equal(await page.locator("[data-user-code]").textContent(), login.userCode);
        assert.match(await page.locator("main").textContent(), /ada@example\.test/);
        if (store === "memory") {
          await page.screenshot({ path: join(shots, "confirm.png"), fullPage: true });
        }
        await page.getByRole("button", { name: "Approve" }).click();
        await page.getByRole("heading", { name: /is signed in/i }).waitFor();
      });
      const result = await login.done;
      assert.equal(result.code, 0, result.stderr);
      const me = JSON.parse((await cli(world, ["whoami", "--json"], credentials).done).stdout);
      assert.equal(me.primary_email, "ada@example.test");
      assert.equal(me.display_name, "Person ada");
      // The session list names the tool the session was approved for.
      const sessions = await cli(world, ["sessions", "--json"], credentials).done;
      assert.equal(sessions.code, 0, sessions.stderr);
      assert.match(sessions.stdout, /cli-auth/);
    } finally {
      world.stop();
    }
  });

  test(`[${store}] the typed short code, then Deny; JavaScript off`, async () => {
    const world = await startWorld(store);
    try {
      const attempt = (await api(world, "/auth/cli", { client: { name: "mytool", hostname: "ada-laptop" } })).json;
      await withContext({ javaScriptEnabled: false }, async (_c, page) => {
        await page.goto(`${world.base}/handler/cli-auth-confirm`);
        await signInAtIdp(page, world, "grace");
        await page.getByRole("heading", { name: /enter the code/i }).waitFor();
        if (store === "memory") await page.screenshot({ path: join(shots, "enter-code.png"), fullPage: true });
        await page.getByLabel("Code").fill(attempt.user_code.toLowerCase().replace("-", ""));
        await page.keyboard.press("Enter");
        await page.getByRole("heading", { name: /approve a command-line login/i }).waitFor();
        assert.match(await page.locator("dl").textContent(), /mytool[\s\S]*ada-laptop/);
        await page.getByRole("button", { name: "Deny" }).click();
        await page.getByRole("heading", { name: /^denied$/i }).waitFor();
      });
      const poll = await api(world, "/auth/cli/poll", { polling_code: attempt.polling_code });
      assert.equal(poll.json.status, "denied");
    } finally {
      world.stop();
    }
  });

  test(`[${store}] a forged state, an IdP error, forms from elsewhere`, async () => {
    const world = await startWorld(store);
    try {
      const attempt = (await api(world, "/auth/cli", {})).json;
      await withContext({}, async (context, page) => {
        // The authorization requests the page sends the browser on.
        const authorizations = [];
        page.on("request", (r) => {
          if (r.url().startsWith(`${world.issuer}/auth?`)) authorizations.push(new URL(r.url()));
        });
        // A sign-in under way, then a callback with another state.
        await page.goto(`${world.base}/handler/cli-auth-confirm?login_code=${attempt.login_code}`);
        await page.waitForURL((u) => u.href.startsWith(world.issuer));
        const asked = authorizations.at(-1).searchParams;
        assert.equal(asked.get("code_challenge_method"), "S256");
        assert.equal(asked.get("response_type"), "code");
        assert.match(asked.get("scope"), /openid/);
        assert.ok(asked.get("state") && asked.get("nonce"));
        assert.ok(!authorizations.at(-1).href.includes(attempt.login_code), "the login code stays here");
        const forged = await page.goto(`${world.base}/handler/oidc/callback?code=stolen&state=forged`);
        assert.equal(forged.status(), 400);
        await page.getByRole("heading", { name: /could not be checked/i }).waitFor();
        // The provider said no (with the real state).
        await page.goto(`${world.base}/handler/cli-auth-confirm?login_code=${attempt.login_code}`);
        await page.waitForURL((u) => u.href.startsWith(world.issuer));
        const real = authorizations.at(-1).searchParams.get("state");
        const refused = await page.goto(
          `${world.base}/handler/oidc/callback?error=access_denied&error_description=The%20user%20said%20no&state=${real}`);
        assert.equal(refused.status(), 403);
        assert.match(await page.locator("main").textContent(), /did not sign you in[\s\S]*The user said no/);
        // Signed in properly, then forms without the token or from elsewhere.
        await page.goto(`${world.base}/handler/cli-auth-confirm?login_code=${attempt.login_code}`);
        await signInAtIdp(page, world, "eve");
        await page.getByRole("heading", { name: /approve a command-line login/i }).waitFor();
        const csrf = await page.locator('input[name="csrf_token"]').first().getAttribute("value");
        const post = (form, headers) => context.request.post(`${world.base}/handler/cli-auth-confirm`, { form, headers });
        const action = { login_code: attempt.login_code, action: "approve" };
        assert.equal((await post(action, { origin: world.base })).status(), 403, "no CSRF token");
        assert.equal((await post({ ...action, csrf_token: csrf },
          { origin: "http://evil.example", "sec-fetch-site": "cross-site" })).status(), 403, "another origin");
        assert.equal((await post({ ...action, csrf_token: csrf },
          { origin: "null", "sec-fetch-site": "cross-site" })).status(), 403, "null from another site");
        const poll = await api(world, "/auth/cli/poll", { polling_code: attempt.polling_code });
        assert.equal(poll.json.status, "waiting", "nothing was approved");
      });
    } finally {
      world.stop();
    }
  });

  test(`[${store}] two racing first sign-ins of one person make one user`, async () => {
    const world = await startWorld(store);
    try {
      const attempts = [(await api(world, "/auth/cli", {})).json, (await api(world, "/auth/cli", {})).json];
      const approve = (attempt) => withContext({}, async (_c, page) => {
        await page.goto(`${world.base}/handler/cli-auth-confirm?login_code=${attempt.login_code}`);
        await signInAtIdp(page, world, "racer");
        await page.getByRole("button", { name: "Approve" }).click();
        await page.getByRole("heading", { name: /is signed in/i }).waitFor();
      });
      await Promise.all(attempts.map(approve));
      const ids = [];
      for (const attempt of attempts) {
        const picked = await api(world, "/auth/cli/poll", { polling_code: attempt.polling_code });
        assert.equal(picked.json.status, "success");
        const refreshed = await fetch(`${world.base}/api/v1/auth/sessions/current/refresh`, {
          method: "POST",
          headers: { "x-stack-project-id": project, "x-stack-access-type": "client",
            "x-stack-publishable-client-key": clientKey, "x-stack-refresh-token": picked.json.refresh_token },
        });
        const access = (await refreshed.json()).access_token;
        ids.push(JSON.parse(Buffer.from(access.split(".")[1], "base64url")).sub);
      }
      assert.equal(ids[0], ids[1], "one user");
    } finally {
      world.stop();
    }
  });

  test(`[${store}] a CLI in another network: the page warns`, async () => {
    const world = await startWorld(store);
    try {
      // The CLI asks from 127.0.1.2 (another /24 than the browser's 127.0.0.1).
      const attempt = (await api(world, "/auth/cli", { client: { name: "mytool" } }, "127.0.1.2")).json;
      await withContext({}, async (_c, page) => {
        await page.goto(`${world.base}/handler/cli-auth-confirm?login_code=${attempt.login_code}`);
        await signInAtIdp(page, world, "ada");
        const alert = page.getByRole("alert");
        await alert.waitFor();
        const text = await alert.textContent();
        assert.match(text, /127\.0\.1\.2/);
        assert.match(text, /127\.0\.0\.1/);
        assert.match(text, /Deny unless you started this login/);
        if (store === "memory") await page.screenshot({ path: join(shots, "proximity-warning.png"), fullPage: true });
      });
    } finally {
      world.stop();
    }
  });
}
