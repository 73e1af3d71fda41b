"""Input no client should send gets a 400 in PandaDoc's format: numbers that are not finite,
control characters in names."""

from __future__ import annotations

import json


def test_non_finite_positions_are_refused_in_pandadocs_format(pd):
    doc = pd.create()
    fields = {
        "fields": [
            {
                "type": "text",
                "name": "Company",
                "assigned_to": "ada@example.com",
                "layout": {"page": 1, "position": {"offset_x": 10, "offset_y": 10}},
            }
        ]
    }
    text = json.dumps(fields).replace('"offset_x": 10', '"offset_x": NaN')
    r = pd.post(
        f"/documents/{doc['id']}/fields",
        content=text.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["type"] == "request_error"
    assert "fields[0].layout.position.offset_x" in r.json()["detail"]


def test_control_characters_in_a_document_name_are_refused(pd):
    doc = pd.create()
    r = pd.patch(f"/documents/{doc['id']}", {"name": "Esc\x1b[2J"})
    assert r.status_code == 400, r.text
    assert "name" in r.json()["detail"]
