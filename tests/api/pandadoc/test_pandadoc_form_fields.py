"""parse_form_fields: a PDF's form widgets become fields at the same place, assigned by the
data's fields{name:{role}} (else to the first signer), and the widgets leave the document."""

from __future__ import annotations

import io

import pikepdf
from pandadoc_helpers import doc_data
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from signet.kit.ids import parse_uuid
from signet.models import SigningRequest
from signet.signing.form_fields import read_form_fields, strip_form


def form_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.drawString(72, 720, "Order form")
    form = c.acroForm
    form.textfield(name="company", x=72, y=600, width=200, height=20, value="")
    form.checkbox(name="agree", x=72, y=560, size=14)
    form.choice(
        name="plan", x=72, y=520, width=120, height=20, value="Pro", options=["Basic", "Pro"]
    )
    c.showPage()
    c.save()
    return buf.getvalue()


def test_widgets_are_read_in_percent_of_the_page():
    found = {f.name: f for f in read_form_fields(form_pdf())}
    assert set(found) == {"company", "agree", "plan"}
    company = found["company"]
    assert (company.type, company.page) == ("text", 1)
    assert abs(company.x - 72 / 612 * 100) < 0.01
    assert abs(company.y - (792 - 620) / 792 * 100) < 0.01
    assert found["agree"].type == "checkbox"
    assert found["plan"].type == "dropdown" and found["plan"].options == ["Basic", "Pro"]
    with pikepdf.open(io.BytesIO(strip_form(form_pdf()))) as pdf:
        assert "/AcroForm" not in pdf.Root and "/Annots" not in pdf.pages[0].obj


def test_an_upload_with_parse_form_fields_gets_those_fields(pd, app):
    data = doc_data(
        parse_form_fields=True,
        fields={"company": {"value": "Analytical Engines", "role": "Client"}},
    )
    r = pd.upload(data, form_pdf())
    assert r.status_code == 201, r.text
    assert pd.process(r.json()["id"]) == "draft"
    fields = {f["name"]: f for f in pd.get(f"/documents/{r.json()['id']}/fields").json()["fields"]}
    assert set(fields) == {"company", "agree", "plan"}
    assert fields["company"]["value"] == "Analytical Engines"
    assert {f["assigned_to"]["role"] for f in fields.values()} == {"Client"}
    assert fields["plan"]["type"] == "dropdown"
    with app.state.signet.db.read() as session:
        sr = session.get(SigningRequest, parse_uuid(r.json()["id"]))
        stored = app.state.signet.store.get(sr.document_sha256)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert "/AcroForm" not in pdf.Root
