"""The recipient's actions in the domain: order, required values, decline, exactly-once
completion. (The signing page tests drive the same rules through a real browser.)"""

from __future__ import annotations

import base64
import io
import struct
import threading
import zlib

import pytest
from fixtures.requests import create_body, field, signer
from PIL import Image
from sqlalchemy import func, select

from signet.db import transaction
from signet.errors import Conflict, ValidationFailed
from signet.models import Job, SigningRequest
from signet.signing import recipient_actions as ra


def png_uri() -> str:
    buf = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _sent(api, **kw) -> dict:
    r = api.post("/signing-requests", create_body(**kw))
    assert r.status_code == 201, r.text
    assert api.post(f"/signing-requests/{r.json()['id']}/send").status_code == 200
    return r.json()


def _finish(app, recipient_id: str, values: dict | None = None, **marks) -> bool:
    state = app.state.signet
    with transaction(state.db.write) as s:
        request, recipient = ra.load_for_recipient(s, recipient_id, for_update=True)
        actor = ra.actor_for(recipient, "127.0.0.1", "pytest")
        ra.accept_consent(s, request, recipient, actor, "I agree to sign electronically.")
        return ra.finish(
            s, state, request, recipient, actor, ra.Submission(values=values or {}, **marks)
        )


def test_signers_sign_in_order_and_the_last_completes_the_request(api, app):
    sr = _sent(
        api,
        recipients=[
            signer("temp_1", "a@example.com", order=1),
            signer("temp_2", "b@example.com", order=2),
        ],
        fields=[field("temp_1"), field("temp_2", "text", position={"x": 1, "y": 1})],
    )
    first, second = (r["id"] for r in sr["recipients"])
    text_field = sr["fields"][1]["id"]
    with pytest.raises(Conflict, match="not your turn"):
        _finish(app, second, {text_field: "hello"})
    with pytest.raises(ValidationFailed, match="signature is required"):
        _finish(app, first)
    assert _finish(app, first, signature=png_uri(), signature_kind="drawn") is False
    with pytest.raises(ValidationFailed, match="is required"):
        _finish(app, second, {})
    assert _finish(app, second, {text_field: "hello"}) is True
    detail = api.get(f"/signing-requests/{sr['id']}").json()
    assert detail["status"]["finished"] is True
    fields = api.get(f"/signing-requests/{sr['id']}/fields").json()["results"]
    assert fields[0]["value"] == "signed" and fields[1]["value"] == "hello"
    events = [e["event"] for e in api.get(f"/signing-requests/{sr['id']}/audit").json()["results"]]
    assert events[-5:] == ["consent_accepted", "signed", "consent_accepted", "signed", "completed"]
    with pytest.raises(Conflict):
        _finish(app, first, signature=png_uri(), signature_kind="drawn")


def test_values_are_checked_by_type(api, app):
    sr = _sent(
        api,
        fields=[
            field("temp_1", "number", position={"x": 1, "y": 1}),
            field("temp_1", "dropdown", position={"x": 1, "y": 10}, dropdown_options=["A", "B"]),
            field("temp_1", "date", position={"x": 1, "y": 20}),
        ],
    )
    rid = sr["recipients"][0]["id"]
    n, d, dt = (f["id"] for f in sr["fields"])
    with pytest.raises(ValidationFailed) as exc:
        _finish(app, rid, {n: "twelve", d: "C", dt: "31/12/2026"})
    locs = {loc for loc, _ in exc.value.problems}
    assert locs == {f"values.{n}", f"values.{d}", f"values.{dt}"}
    assert _finish(app, rid, {n: "12.5", d: "B", dt: "2026-12-31"}) is True


def test_hidden_fields_are_not_required(api, app):
    cond = {
        "logic": "and",
        "groups": [{"conditions": [{"field_id": "box", "operator": "equals", "value": "true"}]}],
    }
    sr = _sent(
        api,
        fields=[
            field("temp_1", "checkbox", id="box", required=False, position={"x": 1, "y": 1}),
            field("temp_1", "text", position={"x": 1, "y": 10}, visibility_conditions=cond),
        ],
    )
    rid = sr["recipients"][0]["id"]
    box, text = (f["id"] for f in sr["fields"])
    stored = api.get(f"/signing-requests/{sr['id']}/fields").json()["results"][1]
    assert stored["visibility_conditions"]["groups"][0]["conditions"][0]["field_id"] == box
    with pytest.raises(ValidationFailed, match="is required"):
        _finish(app, rid, {box: "true"})
    assert _finish(app, rid, {box: "false"}) is True
    assert text


def test_hand_drawn_only_refuses_typed_marks(api, app):
    sr = _sent(api, settings={"hand_drawn_only": True})
    rid = sr["recipients"][0]["id"]
    with pytest.raises(ValidationFailed, match="hand-drawn"):
        _finish(app, rid, signature=png_uri(), signature_kind="typed", signature_text="Ada")


def test_a_mark_larger_than_4096_pixels_a_side_is_refused(api, app):
    rid = _sent(api)["recipients"][0]["id"]
    buf = io.BytesIO()
    Image.new("RGBA", (20, 5000)).save(buf, "PNG")  # a few hundred bytes, 100,000 pixels high
    tall = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    with pytest.raises(ValidationFailed, match="4096 pixels a side"):
        _finish(app, rid, signature=tall, signature_kind="uploaded")
    with pytest.raises(ValidationFailed, match="4096 pixels a side"):
        _finish(app, rid, signature=png_uri(), signature_kind="drawn", initials=tall)


def _chunk(kind: bytes, data: bytes) -> bytes:
    check = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", len(data)) + kind + data + check


@pytest.mark.parametrize("case", ["a second, larger IHDR", "breaks while decoding"])
def test_a_mark_is_judged_by_what_decoding_it_gives(api, app, case):
    # What Pillow decodes, not what the first header says: a PNG may carry a second IHDR
    # (Pillow takes the last one), or a right header over data that breaks.
    rid = _sent(api)["recipients"][0]["id"]
    ihdr = [_chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 32, 8, 0, 0, 0, 0))]
    if case == "a second, larger IHDR":
        ihdr.append(_chunk(b"IHDR", struct.pack(">IIBBBBB", 5000, 5000, 8, 0, 0, 0, 0)))
        pixels = zlib.compress(b"\0" * 5001 * 5000)
    else:
        pixels = zlib.compress(b"\0" * 65 * 32)[:10]
    png = b"\x89PNG\r\n\x1a\n" + b"".join(ihdr) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")
    mark = "data:image/png;base64," + base64.b64encode(png).decode()
    with pytest.raises(ValidationFailed, match="4096 pixels a side"):
        _finish(app, rid, signature=mark, signature_kind="uploaded")


def test_cc_cannot_sign_and_decline_closes_the_request(api, app):
    sr = _sent(
        api,
        recipients=[
            signer("temp_1", "a@example.com"),
            signer("temp_2", "b@example.com"),
            {"first_name": "C", "email": "c@example.com", "designation": "CC"},
        ],
        fields=[field("temp_1"), field("temp_2")],
        settings={"use_signing_order": False},
    )
    a, b, cc = (r["id"] for r in sr["recipients"])
    with pytest.raises(Conflict, match="copy"):
        _finish(app, cc)
    state = app.state.signet
    with transaction(state.db.write) as s:
        request, recipient = ra.load_for_recipient(s, a, for_update=True)
        ra.decline(
            s, state, request, recipient, ra.actor_for(recipient, None, None), "Wrong salary"
        )
    detail = api.get(f"/signing-requests/{sr['id']}").json()
    assert detail["status"]["declined"] is True
    with pytest.raises(Conflict, match="declined"):
        _finish(app, b, signature=png_uri(), signature_kind="drawn")
    users = api.get(f"/signing-requests/{sr['id']}/users").json()["results"]
    assert users[0]["decline_reason"] == "Wrong salary"


def test_two_recipients_finishing_at_once_complete_the_request_once(api, app):
    sr = _sent(
        api,
        recipients=[signer("temp_1", "a@example.com"), signer("temp_2", "b@example.com")],
        fields=[field("temp_1"), field("temp_2")],
        settings={"use_signing_order": False},
    )
    ids = [r["id"] for r in sr["recipients"]]
    results: list[object] = []
    barrier = threading.Barrier(2)

    def sign(rid: str) -> None:
        barrier.wait()
        try:
            results.append(_finish(app, rid, signature=png_uri(), signature_kind="drawn"))
        except Exception as exc:  # noqa: BLE001
            results.append(exc)

    threads = [threading.Thread(target=sign, args=(rid,)) for rid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(repr, results)) == ["False", "True"]
    with app.state.signet.db.read() as s:
        jobs = s.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == "request.finalize", Job.dedupe_key == f"finalize:{sr['id']}")
        )
        assert jobs == 1
        assert s.get(SigningRequest, sr["id"]).state == "completed"
    events = [e["event"] for e in api.get(f"/signing-requests/{sr['id']}/audit").json()["results"]]
    assert events.count("completed") == 1


def test_signing_needs_the_consent_first(api, app):
    sr = _sent(api)
    state = app.state.signet
    with pytest.raises(ValidationFailed, match="consent"), transaction(state.db.write) as s:
        request, recipient = ra.load_for_recipient(s, sr["recipients"][0]["id"], for_update=True)
        actor = ra.actor_for(recipient, "127.0.0.1", "pytest")
        ra.finish(
            s,
            state,
            request,
            recipient,
            actor,
            ra.Submission(values={}, signature=png_uri(), signature_kind="drawn"),
        )
    events = [e["event"] for e in api.get(f"/signing-requests/{sr['id']}/audit").json()["results"]]
    assert "signed" not in events
