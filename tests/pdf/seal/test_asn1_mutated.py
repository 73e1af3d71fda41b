"""asn1crypto with ``asn1_mutated`` installed: a value built from Python values is encoded once,
to the same bytes, and a change made after it was encoded still shows."""

from __future__ import annotations

from datetime import UTC, datetime

from asn1crypto import algos, cms, core, x509
from pyhanko.sign import general  # noqa: F401  (registers the signing_certificate_v2 type)

from signet.pdf import asn1_mutated


def _attributes() -> cms.CMSAttributes:
    name = x509.Name.build({"common_name": "Zoë", "organization_name": "Acme"})
    cert_id = {
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "cert_hash": b"\x01" * 32,
        "issuer_serial": {
            "issuer": [x509.GeneralName({"directory_name": name})],
            "serial_number": 12345,
        },
    }
    return cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "message_digest", "values": [b"\x02" * 32]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [{"certs": [cert_id]}]}),
        ]
    )


def _counting_dumps() -> tuple[list[int], list[tuple[type, object]]]:
    count = [0]
    saved = []
    for cls in (core.Asn1Value, core.Sequence, core.SequenceOf):
        original = cls.__dict__["dump"]
        saved.append((cls, original))

        def dump(self, force=False, _original=original):  # type: ignore[no-untyped-def]
            count[0] += 1
            return _original(self, force)

        cls.dump = dump  # type: ignore[method-assign]
    return count, saved


def test_a_built_value_encodes_each_part_once_to_the_same_bytes() -> None:
    asn1_mutated.install()
    asn1_mutated.install()  # twice: still one wrapper
    count, saved = _counting_dumps()
    try:
        first = _attributes().dump()
    finally:
        for cls, original in saved:
            cls.dump = original  # type: ignore[method-assign]
    # ~80 values, each encoded about once; without the fix, ~2,000 encodings (each level
    # encoding every level below it again, twice).
    assert count[0] < 200, count[0]
    # The same bytes as a fresh parse of them re-encoded from scratch.
    assert cms.CMSAttributes.load(first).dump(force=True) == first


def test_a_change_after_encoding_still_shows() -> None:
    asn1_mutated.install()
    built = _attributes()
    before = built.dump()
    # A field set on a nested value: its parents see it and encode again.
    built[1]["values"][0] = core.OctetString(b"\x03" * 32)
    after = built.dump()
    assert after != before and b"\x03" * 32 in after
    assert cms.CMSAttributes.load(after)[1]["values"][0].native == b"\x03" * 32
    # And on the outer value itself.
    when = cms.Time({"utc_time": datetime(2026, 1, 1, tzinfo=UTC)})
    built.append(cms.CMSAttribute({"type": "signing_time", "values": [when]}))
    grown = built.dump()
    assert len(grown) > len(after)
    assert cms.CMSAttributes.load(grown).dump(force=True) == grown
