"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit, served by
a second process (tests/sso/provider/) on its own SQLite file, signing with an RSA key made here.

`IdentityProvider.start(directory)` starts it and stops it on leaving the `with`; `add_person`
and `register_client` set it up over HTTP.
"""

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "plaudit"
CLIENT_SECRET = "plaudit-client-secret-for-the-tests"
PASSWORD = "provider password 123"


def _rsa_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class IdentityProvider:
    url: str
    process: subprocess.Popen

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    @classmethod
    @contextmanager
    def start(cls, directory: Path, *, pkce_required: bool = True) -> Iterator["IdentityProvider"]:
        key = directory / "rsa.pem"
        key.write_text(_rsa_key_pem())
        environ = {
            **os.environ,
            "PROVIDER_DATABASE": str(directory / "provider.sqlite3"),
            "PROVIDER_RSA_KEY": str(key),
            "PROVIDER_PKCE_REQUIRED": "1" if pkce_required else "0",
            "PYTHONPATH": str(ROOT),
        }
        environ.pop("DJANGO_SETTINGS_MODULE", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.sso.provider.serve"],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = process.stdout.readline().strip()
            if not url.startswith("http://"):
                raise RuntimeError(f"The test identity provider did not start ({process.wait()})")
            yield cls(url=url, process=process)
        finally:
            process.terminate()
            process.wait(timeout=10)

    def _post(self, path: str, data: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 (our own http:// address)
            f"{self.url}{path}",
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (http only)
            return json.loads(response.read())

    def register_client(self, *, redirect_uri: str, post_logout_redirect_uri: str) -> None:
        self._post(
            "/testing/client/",
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
                "post_logout_redirect_uris": [post_logout_redirect_uri],
            },
        )

    def add_person(
        self,
        email: str,
        *,
        name: str = "",
        email_verified: bool | None = True,
        groups: list[str] = (),
        department: str = "",
        job_title: str = "",
        password: str = PASSWORD,
    ) -> str:
        """Create or replace a person at the provider; returns their `sub`."""
        return self._post(
            "/testing/person/",
            {
                "email": email,
                "password": password,
                "name": name,
                "email_verified": email_verified,
                "groups": list(groups),
                "department": department,
                "job_title": job_title,
            },
        )["sub"]
