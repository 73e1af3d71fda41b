"""A test PKI for long-term validation: a root and an intermediate CA, an OCSP responder, CRLs
and a time-stamping authority, served by Certomancer's Animator (a WSGI app) on a free
127.0.0.1 port. Keys are made here with ``cryptography``; nothing is fetched."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import WSGIRequestHandler

KEYS = ("root", "interm", "interm-ocsp", "tsa", "seal", "seal-bare", "remote-signer")

CONFIG = """
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  signet-test:
    path-prefix: keys
    keys:
{keys}
pki-architectures:
  signet:
    keyset: signet-test
    entity-defaults:
      country-name: BE
      organization-name: Signet Test PKI
    entities:
      root: {{common-name: Test Root CA}}
      interm: {{common-name: Test Intermediate CA}}
      interm-ocsp: {{common-name: Test OCSP responder}}
      tsa: {{common-name: Test Time Stamping Authority}}
      seal: {{common-name: Acme document seal}}
      seal-bare: {{common-name: Acme seal without revocation sources}}
      remote-signer: {{common-name: Acme remote signing account}}
    certs:
      root:
        subject: root
        subject-key: root
        issuer: root
        authority-key: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2100-01-01T00:00:00+0000"}}
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      interm:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2090-01-01T00:00:00+0000"}}
        extensions:
          - id: basic_constraints
            critical: true
            value: {{ca: true, path-len-constraint: 0}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      interm-ocsp:
        issuer: interm
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2090-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [ocsp_signing]
          - id: ocsp_no_check
      tsa:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2090-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      tsa-short:
        subject: tsa
        subject-key: tsa
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "{soon}"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      seal:
        issuer: interm
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2080-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [interm]}}}}
          - id: authority_information_access
            smart-value: {{schema: aia-urls, params: {{ocsp-responder-names: [interm]}}}}
      seal-bare:
        issuer: interm
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2080-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
      remote-signer:
        issuer: interm
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2080-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [interm]}}}}
    services:
      ocsp:
        interm: {{for-issuer: interm, responder-cert: interm-ocsp, signing-key: interm-ocsp}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P90D"}}
        interm: {{for-issuer: interm, signing-key: interm, simulated-update-schedule: "P30D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
        tsa-short: {{signing-key: tsa, signing-cert: tsa-short}}
"""


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CertomancerPki:
    def __init__(self, workdir: Path) -> None:
        from certomancer.integrations.animator import Animator, AnimatorArchStore
        from certomancer.registry import CertomancerConfig
        from werkzeug.serving import make_server

        keydir = workdir / "keys"
        keydir.mkdir(parents=True, exist_ok=True)
        for name in KEYS:
            key = ec.generate_private_key(ec.SECP256R1())
            (keydir / f"{name}.pem").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        self.port = free_port()
        keys = "\n".join(f"      {n}: {{path: {n}.pem}}" for n in KEYS)
        # A second TSA certificate that expires in 30 days, for archive timestamp renewal.
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S+0000")
        config = CertomancerConfig.from_yaml(
            CONFIG.format(port=self.port, keys=keys, soon=soon), key_search_dir=str(workdir)
        )
        self.config = config  # for a CSC signing service over the same keys (csc.py)
        self.arch = config.get_pki_arch("signet")
        app = Animator(AnimatorArchStore({"signet": self.arch}), with_web_ui=False)
        # Requests served, by service (tsa, ocsp, crls): what a seal fetched.
        self.hits: Counter[str] = Counter()
        hits = self.hits

        class Counted(_Quiet):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                parts = self.path.split("/")
                hits[parts[2] if len(parts) > 2 else self.path] += 1

        self.server = make_server(
            "127.0.0.1", self.port, app, threaded=True, request_handler=Counted
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.tsa_url = f"http://127.0.0.1:{self.port}/signet/tsa/tsa"
        # The same TSA with a certificate that expires in 30 days.
        self.short_tsa_url = f"http://127.0.0.1:{self.port}/signet/tsa/tsa-short"
        self.crl_url = f"http://127.0.0.1:{self.port}/signet/crls/interm/latest.crl"

    def close(self) -> None:
        self.server.shutdown()

    def cert(self, label: str) -> Any:
        return self.arch.get_cert(label)

    def root_pem(self) -> bytes:
        from cryptography import x509

        cert = x509.load_der_x509_certificate(self.cert("root").dump())
        return cert.public_bytes(serialization.Encoding.PEM)

    def p12(self, label: str = "seal") -> bytes:
        """The seal's key with its certificate and chain (intermediate, root), as an operator
        would get them from a CA; ``seal-bare``'s certificate names no revocation source."""
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import pkcs12

        der = self.arch.key_set.get_private_key(label).dump()
        key = serialization.load_der_private_key(der, None)

        def load(label: str) -> x509.Certificate:
            return x509.load_der_x509_certificate(self.cert(label).dump())

        return pkcs12.serialize_key_and_certificates(
            b"seal",
            key,  # type: ignore[arg-type]
            load(label),
            [load("interm"), load("root")],
            serialization.NoEncryption(),
        )
