#!/usr/bin/env python3
"""Independent check of access tokens: a stock JWT library (PyJWT), given only
the JWKS URL, verifies a token from the refresh endpoint of a running
cli-auth-dev. Also runs Stack Auth's documented Python flow: initiate, then
poll /auth/cli/poll every `interval` seconds until `success`.

Usage: verify_with_pyjwt.py PATH_TO_CLI_AUTH_DEV
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import jwt  # PyJWT

PROJECT, CLIENT_KEY, SERVER_KEY = "pyjwt-check", "pck_pyjwt_check", "ssk_pyjwt_check"


def call(base, method, path, body=None, access="client", headers=None):
    key_header = {"client": ("x-stack-publishable-client-key", CLIENT_KEY),
                  "server": ("x-stack-secret-server-key", SERVER_KEY)}[access]
    h = {"x-stack-access-type": access, "x-stack-project-id": PROJECT, key_header[0]: key_header[1]}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["content-type"] = "application/json"
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def main():
    binary = sys.argv[1]
    env = dict(os.environ, CLI_AUTH_DEV_PROJECT_ID=PROJECT, CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY=CLIENT_KEY,
               CLI_AUTH_DEV_SECRET_SERVER_KEY=SERVER_KEY, RUST_LOG="warn")
    server = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--store", "memory"],
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        base = None
        for line in server.stdout:
            if line.startswith("listening on "):
                base = line.split("listening on ", 1)[1].strip()
                break
        assert base, "cli-auth-dev did not start"

        # The CLI side, as Stack Auth's Python template does it.
        status, attempt = call(base, "POST", "/auth/cli", {})
        assert status == 200, (status, attempt)

        # The browser side completes after a moment, from another thread.
        def browser():
            time.sleep(1.5)
            _, user = call(base, "POST", "/users", {"display_name": "PyJWT"}, access="server")
            _, session = call(base, "POST", "/auth/sessions", {"user_id": user["id"]}, access="server")
            call(base, "POST", "/auth/cli/complete",
                 {"login_code": attempt["login_code"], "refresh_token": session["refresh_token"]})
        threading.Thread(target=browser).start()

        interval, refresh_token, deadline = 0.5, None, time.time() + 30
        while time.time() < deadline:
            status, body = call(base, "POST", "/auth/cli/poll", {"polling_code": attempt["polling_code"]})
            if status == 201 and body["status"] == "success":
                refresh_token = body["refresh_token"]
                break
            assert status == 200 and body["status"] == "waiting", (status, body)
            time.sleep(interval)
        assert refresh_token, "the poll never succeeded"

        status, body = call(base, "POST", "/auth/sessions/current/refresh",
                            headers={"x-stack-refresh-token": refresh_token})
        assert status == 200, (status, body)
        token = body["access_token"]

        keys = jwt.PyJWKClient(f"{base}/api/v1/projects/{PROJECT}/.well-known/jwks.json")
        claims = jwt.decode(token, keys.get_signing_key_from_jwt(token).key, algorithms=["ES256"],
                            audience=PROJECT, issuer=f"{base}/api/v1/projects/{PROJECT}")
        assert claims["project_id"] == PROJECT and not claims["is_anonymous"], claims
        try:
            jwt.decode(token, keys.get_signing_key_from_jwt(token).key, algorithms=["ES256"], audience="another")
            raise AssertionError("a token for another audience verified")
        except jwt.InvalidAudienceError:
            pass
        print("PyJWT verified the access token with only the JWKS URL; Python poll flow ok")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
