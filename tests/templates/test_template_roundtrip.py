"""Round trips: one template, several requests with their own people and values; one is
signed and its final PDF carries its own values only. Template webhook events on both faces.

Signing goes through the domain (``recipient_actions.finish``), as the signing page does.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from template_helpers import create_template, download, pdf_text, png_uri, wait_final
from template_helpers import finish as _finish

from signet.db import transaction
from signet.kit.ids import short_id
from signet.models import Webhook, WebhookDelivery, Workspace
from signet.signing.specs import RecipientSpec
from signet.templates.service import draft_from_template


def _send(api, tid, person, project, title):  # type: ignore[no-untyped-def]
    r = api.post(
        "/signing-requests/create-and-send",
        {
            "template_id": tid,
            "name": f"NDA {project}",
            "recipients": [
                {
                    "first_name": person,
                    "last_name": "Tester",
                    "email": f"{person.lower()}@client.example",
                }
            ],
            "fields": [{"variable_name": "project_name", "read_only_value": f"Project {project}"}],
            "settings": {"send_signing_email": False, "send_finish_email": False},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_requests_from_one_template_keep_their_own_values_in_the_final_pdf(api, app, worker):
    t = create_template(api)
    first = _send(api, t["id"], "Ada", "Apollo", "Countess")
    second = _send(api, t["id"], "Alan", "Gemini", "Codebreaker")
    client, acme = first["recipients"][0]["id"], first["recipients"][1]["id"]
    title_field = first["fields"][2]["id"]
    assert (
        _finish(
            app,
            client,
            {title_field: "Countess of Lovelace"},
            signature=png_uri(),
            signature_kind="drawn",
        )
        is False
    )
    assert _finish(app, acme, signature=png_uri(), signature_kind="drawn") is True
    detail = wait_final(api, first["id"])
    text = pdf_text(download(api, detail["final_document_download_url"]))
    assert "Project Apollo" in text and "Countess of Lovelace" in text
    assert "Gemini" not in text and "Codebreaker" not in text
    assert "Mutual Non-Disclosure Agreement" in text
    other = api.get(f"/signing-requests/{second['id']}/fields").json()["results"]
    assert other[1]["value"] == "Project Gemini" and other[2]["value"] is None
    assert api.get(f"/signing-requests/{second['id']}").json()["status"]["finished"] is False


def test_pandadoc_template_round_trip_fills_tokens_in_the_final_pdf(api, app, worker):
    upload = api.client.post(
        "/public/v1/templates?upload",
        headers=api.headers,
        files={"file": ("nda.pdf", _nda_bytes(), "application/pdf")},
        data={"data": json.dumps({"name": "Token NDA"})},
    )
    assert upload.status_code == 201, upload.text
    tid = upload.json()["id"]
    # Roles and fields are added on the Firma face: the same template.
    r = api.put(
        f"/templates/{tid}",
        {
            "users": [{"id": "temp_c", "designation": "Signer", "role": "Client"}],
            "fields": [
                {
                    "type": "signature",
                    "assigned_to_user_id": "temp_c",
                    "page": 1,
                    "x": 10,
                    "y": 70,
                    "width": 30,
                    "height": 6,
                }
            ],
        },
    )
    assert r.status_code == 200, r.text
    made = []
    state = app.state.signet
    for person, company in (("Ada Lovelace", "Analytical Engines"), ("Alan Turing", "Bletchley")):
        with transaction(state.db.write) as s:
            sr, _ = draft_from_template(
                s,
                state,
                workspace_id=api.workspace_id,
                template_id=tid,
                recipients=[
                    RecipientSpec(
                        first_name=person.split()[0],
                        last_name=person.split()[1],
                        email=f"{person.split()[0].lower()}@x.example",
                        role="Client",
                    )
                ],
                tokens={
                    "Client.Name": person,
                    "Client.Company": company,
                    "Document.Date": "1 May 2026",
                },
                actor=api_actor(),
            )
            made.append(sr.id)
    sid = made[0]
    assert api.post(f"/signing-requests/{sid}/send").status_code == 200
    rid = api.get(f"/signing-requests/{sid}/users").json()["results"][0]["id"]
    assert _finish(app, rid, signature=png_uri(), signature_kind="drawn") is True
    text = pdf_text(download(api, wait_final(api, sid)["final_document_download_url"]))
    assert "Ada Lovelace" in text and "Analytical Engines" in text and "1 May 2026" in text
    assert "Bletchley" not in text
    details = api.client.get(f"/public/v1/templates/{tid}/details", headers=api.headers).json()
    assert [x["name"] for x in details["roles"]] == ["Client"]


def _nda_bytes() -> bytes:
    from template_helpers import nda_pdf

    return nda_pdf()


def api_actor():  # type: ignore[no-untyped-def]
    from signet.signing.specs import Actor

    return Actor(type="api_key", name="test key")


def _hooks(app, api):  # type: ignore[no-untyped-def]
    with transaction(app.state.signet.db.write) as s:
        ws = s.get(Workspace, api.workspace_id)
        firma = Webhook(
            company_id=ws.company_id,
            workspace_id=ws.id,
            format="firma",
            url="https://example.com/firma",
            events=[
                "template.created",
                "template.updated",
                "template.deleted",
                "template.used",
                "template.field.added",
            ],
        )
        panda = Webhook(
            company_id=ws.company_id,
            workspace_id=ws.id,
            format="pandadoc",
            url="https://example.com/panda",
            events=["template_created", "template_updated", "template_deleted"],
            payload_options=["fields", "tokens"],
        )
        s.add_all([firma, panda])
        s.flush()
        return firma.id, panda.id


def _deliveries(app, hook_id):  # type: ignore[no-untyped-def]
    with transaction(app.state.signet.db.read) as s:
        rows = s.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook_id)
            .order_by(WebhookDelivery.created_at)
        ).all()
        return [(d.event_name, json.loads(d.body)) for d in rows]


def test_template_events_reach_both_webhook_formats(api, app):
    firma_id, panda_id = _hooks(app, api)
    t = create_template(api)
    api.patch(f"/templates/{t['id']}", {"name": "NDA v2"})
    api.patch(
        f"/templates/{t['id']}",
        {
            "field": {
                "type": "text",
                "x": 1,
                "y": 1,
                "page": 1,
                "read_only": True,
                "read_only_value": "x",
            }
        },
    )
    sr = api.post("/signing-requests", {"template_id": t["id"]}).json()
    api.delete(f"/templates/{t['id']}")
    firma = _deliveries(app, firma_id)
    assert [name for name, _ in firma] == [
        "template.created",
        "template.updated",
        "template.updated",
        "template.field.added",
        "template.used",
        "template.deleted",
    ]
    created = firma[0][1]
    assert created["type"] == "template.created" and created["data"]["id"] == t["id"]
    assert len(created["data"]["recipients"]) == 3
    assert firma[1][1]["data"]["name"] == "NDA v2"
    assert firma[4][1]["data"]["signing_request_id"] == sr["id"]
    panda = _deliveries(app, panda_id)
    assert [name for name, _ in panda] == [
        "template_created",
        "template_updated",
        "template_updated",
        "template_deleted",
    ]
    event = panda[0][1][0]
    assert event["event"] == "template_created" and event["data"]["id"] == short_id(t["id"])
    assert [r["name"] for r in event["data"]["roles"]] == ["Client", "Acme", "CC 1"]
    assert event["data"]["tokens"][0] == {"name": "Client.Name", "value": ""}
    assert "metadata" not in event["data"]
