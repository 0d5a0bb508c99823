"""A real OpenID Connect provider for the "Sign in with NHSmail" tests: tests/oidc/provider.mjs (the npm package
oidc-provider) run by Node.js on a free loopback port. No HTTP is mocked: allauth talks to it with requests, and a
test (or Chromium) signs in on its form as a person would."""

import re
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

OIDC_DIR = Path(__file__).parent / "oidc"
# allauth's address for the provider with id "nhsmail" (the README tells NHSmail this one).
LOGIN_PATH = "/accounts/oidc/nhsmail/login/"
CALLBACK_PATH = "/accounts/oidc/nhsmail/login/callback/"
CLIENT_ID = "gp-leadership-portal"
CLIENT_SECRET = "test-client-secret-not-a-real-one"

# The people provider.mjs knows, and their one password.
INVITED = "invited@nhs.net"
INVITED_NAME = "Dr Ivy Invited"
STRANGER = "stranger@nhs.net"
UNVERIFIED = "unverified@nhs.net"
PASSWORD = "nhsmail-password"


@dataclass
class IdentityProvider:
    issuer: str
    client_id: str = CLIENT_ID
    secret: str = CLIENT_SECRET

    def sign_in(self, authorize_url: str, email: str, password: str = PASSWORD) -> str:
        """Do what a person's browser does at the provider: open the authorisation URL the portal redirected to,
        fill in the sign-in form and follow the provider's redirects. Returns the URL it sends the person back to
        (the portal's callback)."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=True, timeout=10)
        response.raise_for_status()
        action = re.search(r'<form method="post" action="([^"]+)"', response.text).group(1)
        response = browser.post(
            urljoin(response.url, action), data={"email": email, "password": password}, allow_redirects=False,
            timeout=10,
        )
        while response.status_code in (302, 303) and response.headers["location"].startswith(("/", self.issuer)):
            response = browser.get(urljoin(self.issuer, response.headers["location"]), allow_redirects=False,
                                   timeout=10)
        assert response.status_code in (302, 303), response.text
        return response.headers["location"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_provider(*redirect_uris: str):
    """Starts provider.mjs for the given redirect URIs, waits for its discovery document, stops it afterwards."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("The NHSmail sign-in tests need Node.js and tests/oidc/node_modules: run `make oidc-deps`.")
    port = _free_port()
    command = [node, str(OIDC_DIR / "provider.mjs"), "--port", str(port), "--client-id", CLIENT_ID,
               "--client-secret", CLIENT_SECRET]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=OIDC_DIR, stdout=log, stderr=subprocess.STDOUT)
        try:
            issuer = f"http://127.0.0.1:{port}"
            _wait_until_ready(process, issuer, log)
            yield IdentityProvider(issuer=issuer)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(process, issuer: str, log, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"The test OpenID Connect provider exited:\n{log.read().decode(errors='replace')}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail("The test OpenID Connect provider did not start within 20 seconds.")


def provider_for(portal_origin: str):
    """For a session fixture: a provider that sends people back to the portal at `portal_origin`."""
    with running_provider(f"{portal_origin}{CALLBACK_PATH}") as provider:
        yield provider


def switch_on(settings, provider: IdentityProvider, *, label: str = "Sign in with NHSmail") -> IdentityProvider:
    """Turn NHSmail sign-in on for one test, with the settings the environment variables would give."""
    from gpleadership.settings import nhsmail_oidc_csp, nhsmail_oidc_providers

    settings.NHSMAIL_OIDC_ISSUER = provider.issuer
    settings.NHSMAIL_OIDC_CLIENT_ID = provider.client_id
    settings.NHSMAIL_OIDC_SECRET = provider.secret
    settings.NHSMAIL_OIDC_LABEL = label
    settings.SOCIALACCOUNT_PROVIDERS = nhsmail_oidc_providers(
        issuer=provider.issuer, client_id=provider.client_id, secret=provider.secret, label=label
    )
    settings.CONTENT_SECURITY_POLICY = nhsmail_oidc_csp(provider.issuer)
    return provider
