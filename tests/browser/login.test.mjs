// Real-browser tests of a whole CLI login: the Rust `cli-auth` client logs
// in against `cli-auth-dev`, headless Chromium (driven by playwright-core)
// opens the URL the client printed, signs in on the confirm page with the
// keyboard and authorizes; then `cli-auth whoami` must show that user.
// Also the page's states: already used, invalid and expired codes, and a
// CLI holding an anonymous session.
//
//   node --test tests/browser/login.test.mjs
// Needs: CLI_AUTH_DEV_BIN, CLI_AUTH_BIN (built binaries), CHROMIUM (default
// /usr/bin/chromium), playwright-core resolvable (scripts/test.sh installs
// it in .tools). A failing test leaves a screenshot in
// target/browser-screenshots/<test name>.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, statSync, existsSync, mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromiumLaunchOptions } from "../js/chromium.mjs";
import { startDevServer } from "../js/dev-server.mjs";

const require = createRequire(process.env.PLAYWRIGHT_FROM || import.meta.url);
const { chromium } = require("playwright-core");


const cliBin = process.env.CLI_AUTH_BIN;
assert.ok(cliBin, "set CLI_AUTH_BIN (and CLI_AUTH_DEV_BIN)");
const shots = join(process.cwd(), "target", "browser-screenshots");

const project = "browser-test-project";
const clientKey = "pck_browser_test_client_key";
const serverKey = "ssk_browser_test_server_key";
let stopServer, baseUrl, browser;

before(async () => {
  // Only this run's failures leave screenshots.
  rmSync(shots, { recursive: true, force: true });
  ({ baseUrl, stop: stopServer } = await startDevServer({ project, clientKey, serverKey }));
  browser = await chromium.launch(chromiumLaunchOptions);
});

after(async () => {
  await browser?.close();
  stopServer?.();
});

/** Runs `cli-auth` with the test's project; resolves with its exit code and output. */
function cli(args, credentials, { onStderr } = {}) {
  const child = spawn(cliBin, args, {
    env: {
      ...process.env,
      CLI_AUTH_BASE_URL: baseUrl,
      CLI_AUTH_PROJECT_ID: project,
      CLI_AUTH_PUBLISHABLE_CLIENT_KEY: clientKey,
      CLI_AUTH_CREDENTIALS_FILE: credentials,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => { stdout += d; });
  child.stderr.on("data", (d) => { stderr += d; onStderr?.(stderr); });
  const done = new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/**
 * Starts `cli-auth login` and waits for what it prints: the confirm page's
 * URL (with the login code) and the short code to compare or type.
 */
async function startLogin(credentials, extra = []) {
  let found;
  const printed = new Promise((resolve) => { found = resolve; });
  const run = cli(["login", "--no-browser", "--poll-interval-ms", "200", ...extra], credentials, {
    onStderr: (text) => {
      const url = text.match(/^\s+(http:\/\/\S+\/handler\/cli-auth-confirm\?login_code=\S+)$/m);
      const userCode = text.match(/^\s+([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})$/m);
      if (url && userCode) {
        found({
          url: url[1],
          code: new URL(url[1]).searchParams.get("login_code"),
          userCode: userCode[1],
        });
      }
    },
  });
  const prompt = await Promise.race([printed, run.done.then((r) => {
    throw new Error(`cli-auth login exited early (${r.code}): ${r.stderr}`);
  })]);
  return { ...run, ...prompt };
}

/** A fresh browser page; a screenshot is kept if `body` throws. */
async function withPage(name, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await body(page);
  } catch (e) {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

function tempCredentials() {
  return join(mkdtempSync(join(tmpdir(), "cli-auth-browser-")), "nested", "credentials.json");
}

/** Signs in on the confirm page with the keyboard only. */
async function signInWithKeyboard(page, email, name) {
  await page.getByRole("heading", { name: /sign in to approve/i }).waitFor();
  // The page focuses the email field; everything else is typing, Tab and Enter.
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
}

test("a person approves in the browser and the CLI ends logged in", async () => {
  const credentials = tempCredentials();
  const login = await startLogin(credentials);
  await withPage("approve", async (page) => {
    const served = await page.goto(login.url);
    const headers = served.headers();
    assert.match(headers["content-security-policy"] ?? "", /default-src 'none'/);
    assert.equal(headers["referrer-policy"], "no-referrer", "the login code must not leak as a Referer");
    assert.ok(headers["x-stack-request-id"], "the page follows the API's response conventions");
    assert.equal(headers["cache-control"], "no-store");
    assert.match(headers["content-security-policy"] ?? "", /frame-ancestors 'none'/);
    await signInWithKeyboard(page, "ada@example.com", "Ada Lovelace");
    await page.getByRole("heading", { name: /approve a command-line login/i }).waitFor();
    assert.equal(await page.locator("[data-user-code]").textContent(), login.userCode,
      "the page shows the short code the terminal printed");
    // cli-auth says who it is, so the page shows it before approval.
    const asker = await page.locator("dl").textContent();
    assert.ok(asker.includes("cli-auth") && asker.includes(hostname()), asker);
    assert.match(await page.locator("main").textContent(), /ada@example.com/);
    // Keyboard again: the first Tab reaches Approve.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Approve");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: /command-line tool is signed in/i }).waitFor();

    const result = await login.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Logged in as Ada Lovelace <ada@example.com>/);
    assert.equal(statSync(credentials).mode & 0o777, 0o600, "credentials readable by the owner only");

    const whoami = await cli(["whoami"], credentials).done;
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /^Ada Lovelace <ada@example.com> \([0-9a-f-]{36}\)$/m);
    const token = await cli(["token"], credentials).done;
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/, "a JWT");

    // The same link again: already used.
    await page.goto(login.url);
    await page.getByRole("heading", { name: /already approved/i }).waitFor();

    // Logging out ends the session; the browser's own stays signed in.
    const logout = await cli(["logout"], credentials).done;
    assert.equal(logout.code, 0, logout.stderr);
    assert.ok(!existsSync(credentials), "logout deletes the credentials");
    const after = await cli(["whoami"], credentials).done;
    assert.equal(after.code, 3, "not logged in");
  });
});

test("a second login reuses the dev user by email", async () => {
  const credentials = tempCredentials();
  const first = await startLogin(credentials);
  let firstId;
  await withPage("reuse", async (page) => {
    await page.goto(first.url);
    await signInWithKeyboard(page, "grace@example.com", "Grace Hopper");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: /signed in/i }).waitFor();
    assert.equal((await first.done).code, 0);
    firstId = JSON.parse((await cli(["whoami", "--json"], credentials).done).stdout).id;

    const second = await startLogin(credentials);
    // The same browser tab is still signed in: straight to Approve.
    await page.goto(second.url);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: /signed in/i }).waitFor();
    assert.equal((await second.done).code, 0);
    const me = JSON.parse((await cli(["whoami", "--json"], credentials).done).stdout);
    assert.equal(me.id, firstId);
    assert.equal(me.primary_email, "grace@example.com");
  });
});

test("invalid and expired codes get their own explanations", async () => {
  await withPage("invalid", async (page) => {
    // Signed in first (RFC 8628: sign in, then the code).
    await page.goto(`${baseUrl}/handler/cli-auth-confirm`);
    await signInWithKeyboard(page, "typist@example.com", "Typist");
    await page.getByRole("heading", { name: /enter the code/i }).waitFor();
    await page.keyboard.type("BBBB-BBBB");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").filter({ hasText: /does not match/ }).waitFor();
    await page.goto(`${baseUrl}/handler/cli-auth-confirm?login_code=not-a-code`);
    await page.getByRole("heading", { name: /not valid/i }).waitFor();
  });

  const credentials = tempCredentials();
  const login = await startLogin(credentials, ["--expires-in", "1"]);
  const result = await login.done;
  assert.equal(result.code, 4, `expired login exits 4: ${result.stderr}`);
  assert.match(result.stderr, /expired/);
  assert.ok(!existsSync(credentials), "nothing saved");
  await withPage("expired", async (page) => {
    await page.goto(login.url);
    await signInWithKeyboard(page, "typist@example.com", "Typist");
    await page.getByRole("heading", { name: /has expired/i }).waitFor();
  });
});

/** initiate as a CLI would, saying who it is (api.md §8). */
async function initiateAs(client) {
  const r = await fetch(`${baseUrl}/api/v1/auth/cli`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
      "user-agent": "mytool/3.1 (linux)",
    },
    body: JSON.stringify({ client }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

async function pollOnce(pollingCode) {
  const r = await fetch(`${baseUrl}/api/v1/auth/cli/poll`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
    },
    body: JSON.stringify({ polling_code: pollingCode }),
  });
  return r.json();
}

test("a person types the short code, sees who is asking, and denies", async () => {
  const attempt = await initiateAs({ name: "mytool", hostname: "ada-laptop" });
  await withPage("deny", async (page) => {
    await page.goto(`${baseUrl}/handler/cli-auth-confirm`);
    await signInWithKeyboard(page, "denier@example.com", "Denier");
    await page.getByRole("heading", { name: /enter the code/i }).waitFor();
    // Typed loosely: lower case, no hyphen.
    await page.keyboard.type(attempt.user_code.replace("-", "").toLowerCase());
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: /approve a command-line login/i }).waitFor();
    assert.equal(await page.locator("[data-user-code]").textContent(), attempt.user_code);
    const asker = await page.locator("dl").textContent();
    assert.match(asker, /mytool/);
    assert.match(asker, /ada-laptop/);
    assert.match(asker, /127\.0\.0\.1/);
    assert.match(asker, /mytool\/3\.1/);
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("heading", { name: /^denied$/i }).waitFor();
  });
  assert.deepEqual(await pollOnce(attempt.polling_code), { status: "denied" });
});

test("a link from a CLI that said who it is shows it before approval", async () => {
  const attempt = await initiateAs({ name: "othertool" });
  await withPage("asker", async (page) => {
    await page.goto(`${baseUrl}/handler/cli-auth-confirm?login_code=${attempt.login_code}`);
    await signInWithKeyboard(page, "approver@example.com", "Approver");
    await page.getByRole("heading", { name: /approve a command-line login/i }).waitFor();
    assert.match(await page.locator("dl").textContent(), /othertool/);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: /is signed in/i }).waitFor();
  });
  const done = await pollOnce(attempt.polling_code);
  assert.equal(done.status, "success");
});

test("on another device: the short code typed in a browser logs the waiting CLI in", async () => {
  const credentials = tempCredentials();
  const login = await startLogin(credentials);
  await withPage("typed", async (page) => {
    await page.goto(`${baseUrl}/handler/cli-auth-confirm`);
    await signInWithKeyboard(page, "grace@example.com", "Grace Hopper");
    await page.getByRole("heading", { name: /enter the code/i }).waitFor();
    await page.keyboard.type(login.userCode);
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: /is signed in/i }).waitFor();
  });
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Logged in as Grace Hopper <grace@example.com>/);
});

test("Deny on the page stops the waiting CLI at once", async () => {
  const credentials = tempCredentials();
  const login = await startLogin(credentials);
  await withPage("deny-cli", async (page) => {
    await page.goto(login.url);
    await signInWithKeyboard(page, "denier@example.com", "Denier");
    await page.getByRole("button", { name: "Deny" }).click();
    await page.getByRole("heading", { name: /^denied$/i }).waitFor();
  });
  const result = await login.done;
  assert.equal(result.code, 6, result.stderr);
  assert.match(result.stderr, /The login was denied in the browser/);
  assert.ok(!existsSync(credentials), "nothing saved");
});

test("a CLI holding an anonymous session ends with a session of the person who approved", async () => {
  // The CLI holds an anonymous session (made with the API, as a tool would).
  const signUp = await fetch(`${baseUrl}/api/v1/auth/anonymous/sign-up`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "client", "x-stack-publishable-client-key": clientKey,
    },
    body: "{}",
  });
  assert.equal(signUp.status, 200);
  const anon = await signUp.json();
  const credentials = tempCredentials();
  mkdirSync(join(credentials, ".."), { recursive: true });
  writeFileSync(credentials, JSON.stringify({
    base_url: baseUrl, project_id: project, refresh_token: anon.refresh_token, anonymous: true,
  }), { mode: 0o600 });

  const login = await startLogin(credentials);
  await withPage("anonymous", async (page) => {
    await page.goto(login.url);
    await signInWithKeyboard(page, "alan@example.com", "Alan Turing");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("heading", { name: /signed in/i }).waitFor();
  });
  assert.equal((await login.done).code, 0);
  const me = JSON.parse((await cli(["whoami", "--json"], credentials).done).stdout);
  assert.equal(me.primary_email, "alan@example.com");
  assert.equal(me.is_anonymous, false);
  assert.equal(JSON.parse(readFileSync(credentials, "utf8")).anonymous, false);
});
