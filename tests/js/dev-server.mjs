// Starts the built `cli-auth-dev` (CLI_AUTH_DEV_BIN) on a free loopback port,
// on the in-memory store or on fresh tables in the DynamoDB Local that
// scripts/test.sh started, with a fixed dev project; shared by the browser
// and SDK tests.

import { spawn } from "node:child_process";

/** The stores a test can run on: memory always, DynamoDB Local when
 *  scripts/test.sh started one (AWS_ENDPOINT_URL_DYNAMODB). */
export const stores = process.env.AWS_ENDPOINT_URL_DYNAMODB ? ["memory", "dynamodb"] : ["memory"];

/** Resolves with `{ baseUrl, stop }` once the server says it is listening;
 *  `env` adds settings (e.g. a short access-token lifetime). */
export async function startDevServer({ project, clientKey, serverKey, env = {}, store = "memory" }) {
  const bin = process.env.CLI_AUTH_DEV_BIN;
  if (!bin) throw new Error("set CLI_AUTH_DEV_BIN to the built cli-auth-dev");
  const tables = store === "dynamodb"
    ? { CLI_AUTH_TABLE_PREFIX: `js${Math.random().toString(36).slice(2, 10)}-` }
    : {};
  const server = spawn(bin, ["--listen", "127.0.0.1:0", "--store", store], {
    env: {
      ...process.env,
      ...tables,
      ...env,
      CLI_AUTH_DEV_PROJECT_ID: project,
      CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY: clientKey,
      CLI_AUTH_DEV_SECRET_SERVER_KEY: serverKey,
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const baseUrl = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^listening on (http:\/\/\S+)$/m);
      if (m) resolve(m[1]);
    });
    server.on("exit", (c) => reject(new Error(`cli-auth-dev exited (${c})`)));
  });
  return { baseUrl, stop: () => server.kill() };
}

/** POSTs `body` to `path` of the dev server at `baseUrl` with server access;
 *  fails the test unless it succeeds. */
export async function serverCall({ baseUrl, project, serverKey }, path, body) {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-stack-project-id": project,
      "x-stack-access-type": "server", "x-stack-secret-server-key": serverKey,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}
