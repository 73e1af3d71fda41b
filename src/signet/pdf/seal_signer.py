"""The seal's pyHanko signer, with its private key parsed once rather than for every signature.

pyHanko's ``SimpleSigner`` keeps the key as ASN.1 and, in ``sign_raw``, serialises and parses it
again for each signature. For an RSA key, parsing includes OpenSSL's consistency check of the key
(its primes among others): ~33 ms for 2048 bits, ~100 ms for 3072, ~230 ms for 4096 on the
benchmark machine, against 0.4-1.8 ms for the signature itself; an EC key parses in microseconds.
:class:`KeptKeySigner` signs with the key object it was given, parsed and checked once by the
seal loader.

The key lives as long as the signer, which lives as long as its :class:`SealIdentity`: a process
loads a new identity, and so a new signer, when the seal key is replaced (``seal_version``), so
there is no separate cache to invalidate. ``sign_raw`` is the method pyHanko's ``Signer`` subclasses
implement (its documented extension point); for a signature mechanism other than PKCS#1 v1.5
RSA or ECDSA, or a key that does not match it, it defers to pyHanko's own.
"""

from __future__ import annotations

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import CertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signet.pdf import asn1_lengths

__all__ = ["KeptKeySigner"]


# Every seal builds its CMS container with asn1crypto; without this, some take 3-10x as long.
asn1_lengths.install()


class KeptKeySigner(SimpleSigner):
    """A ``SimpleSigner`` that signs with an already parsed ``cryptography`` key."""

    def __init__(
        self,
        key: PrivateKeyTypes,
        signing_cert: asn1_x509.Certificate,
        cert_registry: CertificateStore,
    ) -> None:
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        super().__init__(
            signing_cert=signing_cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=cert_registry,
        )
        self.key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm == "rsassa_pkcs1v15" and isinstance(self.key, RSAPrivateKey):
            return self.key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algorithm == "ecdsa" and isinstance(self.key, EllipticCurvePrivateKey):
            return self.key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return bytes(super().sign_raw(data, digest_algorithm))
