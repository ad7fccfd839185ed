"""A small HTTP client for the audit scripts: one cookie jar, no redirects followed, raw bytes.

It talks to the app as a browser behind the production TLS proxy would: every request carries
`X-Forwarded-Proto: https` (gunicorn trusts it from loopback, and the app from
`USE_X_FORWARDED_PROTO`), so HTTPS-only settings stay on, and every POST carries the `Origin`
and `Referer` that Django's CSRF check requires over HTTPS. Logging in goes through the login
form and, for accounts that owe one, the two-factor form with a code computed from the secret.
"""

import base64
import http.client
import re
import time
import uuid
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode, urlsplit

from django_otp.oath import totp

DEMO_PASSWORD = "demo-pass-2018"  # noqa: S105 - the demo accounts of seed_demo
DEMO_TWO_FACTOR_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - ditto, printed by seed_demo
TIMEOUT = 60


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str] = field(default_factory=list)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One browser session against `base` (http://host:port)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.origin = f"https://{parts.hostname}:{self.port}"
        self.cookies: dict[str, str] = {}
        self.username = ""

    def request(
        self,
        method: str,
        path: str,
        data: dict | list | bytes | None = None,
        *,
        files: dict[str, tuple[str | bytes, bytes, str]] | None = None,
        headers: dict[str, str] | None = None,
        cookies: bool = True,
    ) -> Response:
        """`data` is a dict or a list of pairs (form-encoded, or multipart with `files`:
        {field: (filename, content, content type)}), or bytes sent as they are."""
        sent = {"Host": f"{self.host}:{self.port}", "X-Forwarded-Proto": "https"}
        body = None
        if method != "GET":
            sent |= {"Origin": self.origin, "Referer": self.origin + "/"}
        if files is not None:
            body, sent["Content-Type"] = multipart(data or {}, files)
        elif isinstance(data, bytes):
            body = data
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = urlencode(data, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent |= headers or {}
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            raw = connection.getresponse()
            content = raw.read()
            set_cookies = raw.headers.get_all("Set-Cookie") or []
            answer = Response(
                raw.status, {k.lower(): v for k, v in raw.getheaders()}, content, set_cookies
            )
        finally:
            connection.close()
        if cookies:
            for line in set_cookies:
                name, _, rest = line.partition("=")
                value = rest.split(";", 1)[0]
                if "expires=Thu, 01 Jan 1970" in line or "Max-Age=0" in line:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
        return answer

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> Response:
        return self.request("POST", path, data, **kwargs)

    @property
    def csrf_token(self) -> str:
        """The CSRF cookie's value, a valid token for forms (fetch any page first)."""
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        return self.cookies.get("csrftoken", "")

    def submit(self, path: str, data: dict | list | None = None, **kwargs) -> Response:
        """POSTs with this session's CSRF token, as the page's form would."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        return self.post(path, [("csrfmiddlewaretoken", self.csrf_token), *pairs], **kwargs)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Logs in through the forms, giving a TOTP code when the account owes one."""
        self.cookies.clear()
        self.get("/accounts/login/")
        answer = self.submit("/accounts/login/", {"username": username, "password": password})
        if answer.status != 302:
            raise RuntimeError(f"{username}: login answered {answer.status}")
        self.username = username
        # The login form sends everyone home; the middleware sends on who owes a code.
        if "/two-factor/verify/" not in self.get("/").location:
            return
        for _ in range(3):
            code = f"{totp(base64.b32decode(DEMO_TWO_FACTOR_SECRET)):06d}"
            answer = self.submit("/accounts/two-factor/verify/", {"code": code})
            if answer.status == 302:
                return
            # The code of this 30-second step was used by another session: wait for the next.
            time.sleep(31 - time.time() % 30)
        raise RuntimeError(f"{username}: the two-factor code was refused")


def multipart(data: dict | list, files: dict[str, tuple[str | bytes, bytes, str]]):
    """A multipart/form-data body; a file name given as bytes is sent byte for byte."""
    boundary = uuid.uuid4().hex
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    lines: list[bytes] = []
    for name, value in pairs:
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            str(value).encode(),
        ]
    for name, (filename, content, content_type) in files.items():
        raw_name = filename if isinstance(filename, bytes) else filename.encode()
        # b"*=UTF-8''..." is sent as RFC 2231's filename*, which the server percent-decodes.
        quoted = b"*=" + raw_name[2:] if raw_name.startswith(b"*=") else b'="' + raw_name + b'"'
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename'.encode() + quoted,
            f"Content-Type: {content_type}".encode(),
            b"",
            content,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def field_value(page: str, name: str) -> str:
    """The value of the form input `name` on a page."""
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', page
    )
    return unescape(match.group(1)) if match else ""
