"""Which endpoints a run or a vacuum may reach without `--allow-aws`.

The answer comes from the URL's text alone, before any name is resolved or any socket opened.
An endpoint is on this machine only when its host is written as a loopback address
(127.0.0.0/8, `[::1]`, an IPv4-mapped 127.x address in brackets) or is the name `localhost`
(`localhost.` too; host names are case-insensitive). Everything else may be real AWS: another
partition's domain (`amazonaws.com.cn`, `c2s.ic.gov`), a name with a trailing dot, an IP
address of AWS, a name of the user's that resolves anywhere. So is every URL the parser is
not sure how a client would read: userinfo (`http://127.0.0.1@evil.com`), percent-encoding,
whitespace or control characters, a backslash, a query or fragment, an empty or odd port,
`0.0.0.0`, octal or shortened IPv4 forms (`0177.0.0.1`, `127.1`), IPv6 zone identifiers.
Those need `--allow-aws`, and never pass as local.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["endpoint_refusal", "is_loopback_endpoint"]

# The only characters a URL that can pass as local may hold. `@`, `%`, `\`, `?`, `#`,
# whitespace and anything outside ASCII are read differently by different parsers.
_PLAIN = re.compile(r"[A-Za-z0-9._~:/\[\]-]+")
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/]*)(?P<path>/[^\[\]]*)?")
_USERINFO = re.compile(r"(?<=//)(?P<user>[^/@:]*):[^/@]*@")
_PORT = re.compile(r"[0-9]{1,5}")
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_LOOPBACK_RANGES = "127.0.0.0/8, ::1, localhost"


def is_loopback_endpoint(endpoint_url: str) -> bool:
    """True only when `endpoint_url` is an http(s) URL whose host is surely this machine."""
    if not _PLAIN.fullmatch(endpoint_url):
        return False
    match = _URL.fullmatch(endpoint_url)
    if match is None or match["scheme"].lower() not in {"http", "https"}:
        return False
    host = _host(match["authority"])
    return host is not None and _is_loopback_host(host.lower())


def _host(authority: str) -> str | None:
    """The host of `host[:port]` or `[v6][:port]`; None when the authority is not plain."""
    if authority.startswith("["):
        host, bracket, rest = authority[1:].partition("]")
        if not bracket:
            return None
        host = f"[{host}]"
    else:
        host, colon, port = authority.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and _valid_port(rest[1:])):
        return None
    return host or None


def _valid_port(port: str) -> bool:
    return bool(_PORT.fullmatch(port)) and 0 < int(port) < 65536


def _is_loopback_host(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        if host.startswith("["):
            v6 = ipaddress.IPv6Address(host[1:-1])
            mapped = v6.ipv4_mapped
            return v6.is_loopback or (mapped is not None and mapped.is_loopback)
        # Strict dotted quad: ipaddress refuses leading zeros and shortened forms, which
        # inet_aton would read as octal or fill in (0177.0.0.1, 127.1).
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False


def endpoint_refusal(
    endpoint_url: str | None, *, allow_aws: bool, flag: str = "--allow-aws"
) -> str | None:
    """Why a run or vacuum may not send requests to `endpoint_url`, or None when it may.

    `endpoint_url` None means AWS itself (botocore's endpoint for the region). A refusal is one
    line that names the endpoint and `flag`, the option that allows it.
    """
    if endpoint_url is not None and not _http_url(endpoint_url):
        return f"--endpoint-url {_shown(endpoint_url)} is not an http(s) URL (http://host:port)"
    if allow_aws:
        return None
    if endpoint_url is None:
        return f"without --endpoint-url the requests go to real AWS: add {flag} to allow it"
    if is_loopback_endpoint(endpoint_url):
        return None
    return (
        f"--endpoint-url {_shown(endpoint_url)} is not a loopback address ({_LOOPBACK_RANGES}),"
        f" so it may be real AWS: add {flag} to send requests there"
    )


def _http_url(endpoint_url: str) -> bool:
    try:
        parsed = urlsplit(endpoint_url)
    except ValueError:  # an unclosed IPv6 bracket, say
        return False
    return parsed.scheme.lower() in {"http", "https"} and bool(parsed.netloc)


def _shown(endpoint_url: str) -> str:
    """The URL for a one-line message: a password in it hidden, invisible characters escaped."""
    shown = _USERINFO.sub(lambda m: f"{m['user']}:***@", endpoint_url, count=1)
    if shown and all(c.isprintable() and not c.isspace() for c in shown):
        return shown
    return repr(shown)
