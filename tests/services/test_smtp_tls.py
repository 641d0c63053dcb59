"""SMTP over TLS as the transport speaks it: STARTTLS whenever the server offers it, implicit TLS
for smtps://, and a certificate that does not verify stops delivery instead of going on in clear."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signon.mail import OutgoingMail, Renderer
from signon.mailtransport import SmtpTransport
from tests.support import free_port

pytestmark = pytest.mark.anyio


class TlsRecorder:
    def __init__(self) -> None:
        self.received: list[tuple[str, bool]] = []  # (recipient, arrived over TLS)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        over_tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((envelope.rcpt_tos[0], over_tls))
        return "250 OK"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (the server's context, a client's trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=str(cert_file))


@contextmanager
def serve(handler: TlsRecorder, **options: object) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


async def deliver_one(transport: SmtpTransport) -> dict[int, str]:
    mail = OutgoingMail("ana@example.org", "Please confirm", "Hello\n")
    outcomes = await transport.deliver([Renderer("s@example.org").render(mail)], lambda: True)
    return outcomes.failed


async def test_starttls_is_used_whenever_the_server_offers_it(
    certificate: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_tls, client_tls = certificate
    handler = TlsRecorder()
    with serve(handler, tls_context=server_tls, require_starttls=True) as port:
        transport = SmtpTransport(f"smtp://127.0.0.1:{port}", tls_context=client_tls)
        assert await deliver_one(transport) == {}
    assert handler.received == [("ana@example.org", True)]


async def test_smtps_urls_speak_tls_from_the_start(
    certificate: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_tls, client_tls = certificate
    handler = TlsRecorder()
    with serve(handler, ssl_context=server_tls) as port:
        transport = SmtpTransport(f"smtps://127.0.0.1:{port}", tls_context=client_tls)
        assert await deliver_one(transport) == {}
    assert handler.received == [("ana@example.org", True)]


async def test_a_certificate_that_does_not_verify_stops_delivery(
    certificate: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_tls, _ = certificate
    handler = TlsRecorder()
    with serve(handler, tls_context=server_tls) as port:  # plain text would be accepted too
        failed = await deliver_one(SmtpTransport(f"smtp://127.0.0.1:{port}"))
    assert "CERTIFICATE_VERIFY_FAILED" in failed[0]
    assert handler.received == []
