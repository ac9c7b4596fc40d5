"""The transports of the SDK's own clients: http:// builds no TLS context; https:// is verified exactly as
httpx verifies it (its default trust, `SSL_CERT_FILE` honoured), over real TLS on loopback."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from _loopback import Loopback, loopback
from muxi_sdk import Muxi
from muxi_sdk._core.transports import PlainFirstTransport  # internal: the fail-closed plain transport
from muxi_sdk.errors import ConnectionError

TWINS = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])


def _certificate(tmp: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate it signed for 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "muxi-sdk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        # Python 3.13 verifies with VERIFY_X509_STRICT: key identifiers, and the usages of a server certificate
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[Loopback, Path]]:
    ca, cert, key = _certificate(tmp_path)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    with loopback(tls=server_side) as server:
        yield server, ca


@pytest.fixture
def trusted_https(https: tuple[Loopback, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Loopback, Path]:
    """The https server, with its CA trusted through `SSL_CERT_FILE` (as httpx reads it)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(https[1]))
    return https


def _health_calls(url: str, is_async: bool, plan: list[str | None], probe: Callable[[], object]) -> list[object]:
    """Health calls on one `Muxi` at `url`, each to the plan's `server_url` (None: its own); `probe()` after
    each. The async calls share one event loop (one async client), which `async with` closes."""
    seen: list[object] = []
    if is_async:

        async def run() -> None:
            async with Muxi(url=url, retry_config=None) as m:
                for target in plan:
                    where = {"server_url": target} if target else {}
                    assert (await m.system.health_async(**where)).healthy
                    seen.append(probe())

        asyncio.run(run())
    else:
        with Muxi(url=url, retry_config=None) as m:
            for target in plan:
                assert m.system.health(**({"server_url": target} if target else {})).healthy
                seen.append(probe())
    return seen


def _tls_contexts_built(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records every CA bundle loaded into a TLS context from here on (how httpx 0.27 and 0.28 build theirs)."""
    built: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, cafile: object = None, *args: object, **kwargs: object) -> None:
        built.append(str(cafile))
        real(self, cafile, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    return built


@TWINS
def test_https_to_an_untrusted_certificate_fails_and_sends_nothing(
    https: tuple[Loopback, Path], is_async: bool
) -> None:
    server, _ = https
    with pytest.raises(ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        _health_calls(server.url, is_async, [None], lambda: None)
    assert server.seen == []


@TWINS
def test_https_honours_ssl_cert_file_as_httpx_does(trusted_https: tuple[Loopback, Path], is_async: bool) -> None:
    server, _ = trusted_https
    _health_calls(server.url, is_async, [None, None], lambda: None)
    assert [s.path for s in server.seen] == ["/v1/health", "/v1/health"]


@TWINS
def test_plain_http_builds_no_tls_context_and_https_builds_one_once(
    trusted_https: tuple[Loopback, Path], is_async: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, ca = trusted_https
    built = _tls_contexts_built(monkeypatch)
    with loopback() as plain:
        # CA bundles loaded after each call: none for http://, one on the first https:// request, reused after
        after = _health_calls(plain.url, is_async, [None, None, server.url, server.url], lambda: list(built))
        assert len(plain.seen) == 2 and len(server.seen) == 2
    assert after == [[], [], [str(ca)], [str(ca)]]


def test_the_plain_transport_fails_closed_if_it_is_ever_handed_tls(trusted_https: tuple[Loopback, Path]) -> None:
    """Its context loads no CA whatever the environment says, and keeps hostname checks on."""
    server, _ = trusted_https
    transport = PlainFirstTransport(httpx.Limits())
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        transport.plain.handle_request(httpx.Request("GET", f"{server.url}/v1/health"))
    assert transport.tls().handle_request(httpx.Request("GET", f"{server.url}/v1/health")).status_code == 200
    transport.close()
    assert len(server.seen) == 1
