"""A small but real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1.

It publishes its discovery document and its keys (JWKS), asks the browser to sign in (or
answers at once), checks the client's secret, the redirect URI, PKCE and that each code is
used once, and signs ID tokens with its own RSA key — or, when a test asks, with a key it
does not publish (a forged token) or with an expiry in the past.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


class OidcProvider:
    def __init__(
        self,
        client_id: str = "grappe-test",
        client_secret: str = "s3cret",  # noqa: S107 - a test IdP
        port: int = 0,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig", "alg": "RS256"})
        self.forger = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig", "alg": "RS256"})
        self.user: dict[str, Any] = {}
        self.mode = "ok"  # "ok", "forged" (signed with an unpublished key), "expired"
        self.interactive = False  # True: show a sign-in page (browser tests)
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> OidcProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self, label: str = "") -> dict[str, Any]:
        return {
            "kind": "oidc",
            "label": label,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": "openid email profile",
        }

    # --- the protocol ---------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Return the redirect URI with a fresh code for the current ``user``."""
        assert query["client_id"] == self.client_id and query["response_type"] == "code"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "user": dict(self.user),
        }
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _sep, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["challenge"] and digest != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["user"],
        }
        if self.mode == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        key = self.forger if self.mode == "forged" else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "idp-1"}, claims, key)
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/authorize" and provider.interactive:
                    fields = "".join(
                        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                        for k, v in query.items()
                    )
                    page = (
                        "<!doctype html><html lang=en><title>Test IdP</title><main><h1>Test identity provider</h1>"
                        f'<form method="post" action="/authorize">{fields}'
                        f"<p>Signed in as {html.escape(provider.user.get('email', provider.user.get('sub', '')))}</p>"
                        '<button type="submit">Continue</button></form></main></html>'
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                elif url.path == "/authorize":
                    self._redirect(provider.authorize(query))
                elif url.path == "/favicon.ico":  # asked for by the browser on the sign-in page
                    self.send_response(204)
                    self.end_headers()
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/token":
                    self._json(*provider.token(form, self.headers.get("Authorization", "")))
                elif self.path == "/authorize":
                    self._redirect(provider.authorize(form))
                else:
                    self._json(404, {"error": "not_found"})

        return Handler


def main(argv: list[str] | None = None) -> None:
    """Run the provider by hand to try a sign-in (docs/sso.md): ``python -m tests.sso.oidc_idp``."""
    import argparse

    parser = argparse.ArgumentParser(description="A local OpenID Connect provider for trying Grappe's sign-in.")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--email", default="ada@example.org")
    parser.add_argument("--first-name", default="Ada")
    parser.add_argument("--last-name", default="Lovelace")
    parser.add_argument("--unverified", action="store_true", help="Say the email address is not verified.")
    args = parser.parse_args(argv)
    provider = OidcProvider(port=args.port)
    provider.interactive = True
    provider.user = {
        "sub": "local-" + hashlib.sha256(args.email.encode()).hexdigest()[:12],
        "email": args.email,
        "email_verified": not args.unverified,
        "given_name": args.first_name,
        "family_name": args.last_name,
    }
    print("Test OpenID Connect provider at", provider.issuer, "signing in", args.email)
    print("Start Grappe with:")
    print(f"  GRAPPE_OIDC_ISSUER={provider.issuer} GRAPPE_OIDC_CLIENT_ID={provider.client_id} \\")
    print(
        f"  GRAPPE_OIDC_CLIENT_SECRET={provider.client_secret} GRAPPE_OIDC_LABEL='Test IdP' .venv/bin/grappe runserver"
    )
    print("Stop with Ctrl-C.")
    try:
        provider.server.serve_forever()
    except KeyboardInterrupt:
        provider.server.server_close()


if __name__ == "__main__":
    main()
