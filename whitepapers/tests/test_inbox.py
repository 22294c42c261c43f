"""Author e-mail submissions: parsing, attachment checks (PDF, DOCX, zip bombs), import command, queue API."""

import io
import mailbox
import zipfile
from email.message import EmailMessage

import pytest
from django.core.management import CommandError, call_command

from consultants.tests.factories import ConsultantFactory
from whitepapers import inbox, services
from whitepapers.models import EmailSubmission, SubmissionStatus, Whitepaper

from .factories import PDF_BYTES

pytestmark = pytest.mark.django_db


def docx_bytes(*, bomb: bool = False, document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if document:
            archive.writestr("word/document.xml", "<w:document>Hello</w:document>")
        if bomb:
            archive.writestr("word/media/zeros.bin", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def make_email(
    *, message_id="<paper-1@authors.example>", sender="Jana Keller <jana@authors.example>", attachments=(), body=None
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "whitepapers@magnetiq.example"
    message["Subject"] = "Edge AI in Logistics"
    message["Date"] = "Mon, 02 Nov 2026 10:15:00 +0100"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body if body is not None else "A short summary of the paper.\n\nMore details follow.")
    for filename, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


PDF = ("paper.pdf", PDF_BYTES, "application", "pdf")


def test_check_attachment_by_bytes(settings):
    assert inbox.check_attachment("x.pdf", PDF_BYTES) == (inbox.PDF_MIME, "")
    assert inbox.check_attachment("x.docx", docx_bytes()) == (inbox.DOCX_MIME, "")
    assert inbox.check_attachment("x.pdf", b"MZ\x90\x00 an exe")[1].startswith("Only PDF and DOCX")
    assert "not a Word document" in inbox.check_attachment("x.docx", docx_bytes(document=False))[1]
    assert "damaged" in inbox.check_attachment("x.docx", b"PK\x03\x04garbage")[1]
    assert "zip bomb" in inbox.check_attachment("x.docx", docx_bytes(bomb=True))[1]
    settings.WHITEPAPER_MAX_FILE_BYTES = 10
    assert "Larger than" in inbox.check_attachment("x.pdf", PDF_BYTES)[1]


def test_import_good_email(private_root):
    submission, created = services.email_submission_import(raw=make_email(attachments=[PDF]))
    assert created
    assert submission.status == SubmissionStatus.QUEUED
    assert (submission.sender_email, submission.sender_name) == ("jana@authors.example", "Jana Keller")
    assert submission.subject == "Edge AI in Logistics"
    assert submission.body == "A short summary of the paper.\n\nMore details follow."
    assert submission.received_at.isoformat() == "2026-11-02T09:15:00+00:00"
    attachment = submission.attachments.get()
    assert (attachment.filename, attachment.mime_type, attachment.size_bytes) == (
        "paper.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert attachment.accepted
    assert (private_root / attachment.file.name).read_bytes() == PDF_BYTES


def test_unsafe_attachments_are_refused_and_recorded():
    raw = make_email(
        attachments=[
            ("bomb.docx", docx_bytes(bomb=True), "application", "octet-stream"),
            ("invoice.pdf", b"MZ not really", "application", "pdf"),
            ("notes.docx", docx_bytes(), "application", "octet-stream"),
        ]
    )
    submission, _ = services.email_submission_import(raw=raw)
    rows = {a.filename: (a.accepted, bool(a.file), a.refusal_reason[:20]) for a in submission.attachments.all()}
    assert rows["bomb.docx"][:2] == (False, False)
    assert rows["invoice.pdf"] == (False, False, "Only PDF and DOCX fi")
    assert rows["notes.docx"] == (True, True, "")


def test_duplicate_message_id_is_skipped():
    first, created = services.email_submission_import(raw=make_email())
    again, created_again = services.email_submission_import(raw=make_email(body="Different body"))
    assert created and not created_again and again.pk == first.pk
    assert EmailSubmission.objects.count() == 1


def test_missing_message_id_uses_a_hash_and_missing_sender_fails():
    raw = make_email(message_id=None, sender="undisclosed-recipients:;")
    submission, _ = services.email_submission_import(raw=raw)
    assert submission.message_id.endswith("@magnetiq.invalid>")
    assert submission.status == SubmissionStatus.FAILED
    assert submission.error == "No sender address (From)."
    assert services.email_submission_import(raw=raw)[1] is False


def test_garbage_is_refused():
    from whitepapers.exceptions import InvalidEmailMessage

    with pytest.raises(InvalidEmailMessage):
        services.email_submission_import(raw=b"   \n")


def test_command_reads_eml_folder_and_maildir(tmp_path, capsys):
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "a.eml").write_bytes(make_email(attachments=[PDF]))
    (folder / "b.eml").write_bytes(
        make_email(message_id="<b@x>", attachments=[("z.docx", docx_bytes(bomb=True), "application", "zip")])
    )
    (folder / "c.eml").write_bytes(b"\n\n")
    call_command("import_whitepaper_emails", str(folder))
    out = capsys.readouterr()
    assert "2 imported, 0 skipped (already imported), 1 unreadable, 1 attachment(s) refused." in out.out
    assert "c.eml: not imported" in out.err
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    box.add(make_email(message_id="<c@x>"))
    box.add(make_email())  # same Message-ID as a.eml
    call_command("import_whitepaper_emails", str(tmp_path / "maildir"))
    assert "1 imported, 1 skipped" in capsys.readouterr().out
    assert EmailSubmission.objects.filter(source="maildir").count() == 1


def test_command_fails_on_unreadable_path(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("import_whitepaper_emails", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="WHITEPAPER_IMAP_URL is not set"):
        call_command("import_whitepaper_emails", "--imap")


def test_queue_process_approve_reject_api(api_client, editor, private_root):
    author = ConsultantFactory(email="jana@authors.example")
    good, _ = services.email_submission_import(raw=make_email(attachments=[PDF]))
    other, _ = services.email_submission_import(raw=make_email(message_id="<2@x>"))
    api_client.force_authenticate(editor)
    queue = api_client.get("/api/v1/admin/whitepapers/email-queue").json()["data"]
    assert [item["id"] for item in queue["submissions"]] == [other.pk, good.pk]
    processed = api_client.post(f"/api/v1/admin/whitepapers/email-queue/{good.pk}/process").json()["data"]
    assert processed["status"] == "processing" and processed["author"] == author.pk
    approved = api_client.post(f"/api/v1/admin/whitepapers/email-queue/{good.pk}/approve")
    assert approved.status_code == 201
    whitepaper = Whitepaper.objects.get(pk=approved.json()["data"]["id"])
    assert whitepaper.title == {"en": "Edge AI in Logistics"}
    assert whitepaper.summary == {"en": "A short summary of the paper."}
    assert whitepaper.author == author and whitepaper.is_visible()
    with whitepaper.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert api_client.delete(f"/api/v1/admin/whitepapers/email-queue/{good.pk}").status_code == 409
    rejected = api_client.delete(
        f"/api/v1/admin/whitepapers/email-queue/{other.pk}", {"reason": "Off topic"}, format="json"
    )
    assert rejected.json()["data"]["status"] == "rejected"
    assert api_client.post(f"/api/v1/admin/whitepapers/email-queue/{other.pk}/approve").status_code == 409
    everything = api_client.get("/api/v1/admin/whitepapers/email-queue?status=all").json()["data"]
    assert everything["pagination"]["total"] == 2


def test_upload_eml_endpoint(api_client, editor, make_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api_client.force_authenticate(editor)
    upload = SimpleUploadedFile("paper.eml", make_email(attachments=[PDF]), content_type="message/rfc822")
    response = api_client.post("/api/v1/admin/whitepapers/email-submission", {"file": upload}, format="multipart")
    assert response.status_code == 201
    assert response.json()["data"]["attachments"][0]["accepted"] is True
    again = api_client.post("/api/v1/admin/whitepapers/email-submission", {"raw": make_email().decode()}, format="json")
    assert again.status_code == 200
    assert api_client.post("/api/v1/admin/whitepapers/email-submission", {}, format="json").status_code == 422
    reader = make_staff("reader@magnetiq.example", "whitepapers.view_emailsubmission")
    api_client.force_authenticate(reader)
    assert api_client.get("/api/v1/admin/whitepapers/email-queue").status_code == 200
    submission = EmailSubmission.objects.get()
    assert api_client.post(f"/api/v1/admin/whitepapers/email-queue/{submission.pk}/approve").status_code == 403


class FakeIMAP:
    """Stands in for ``imaplib.IMAP4_SSL``: records the calls and serves two unseen messages."""

    instances: list = []

    def __init__(self, host, port):
        self.host, self.port, self.calls = host, port, []
        FakeIMAP.instances.append(self)
        self.messages = {
            b"1": make_email(attachments=[PDF]),
            b"2": make_email(message_id="<paper-2@authors.example>"),
        }

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def select(self, folder, readonly=False):
        self.calls.append(("select", folder, readonly))
        return "OK", [b"2"]

    def search(self, charset, criterion):
        self.calls.append(("search", criterion))
        return "OK", [b" ".join(self.messages)]

    def fetch(self, number, parts):
        self.calls.append(("fetch", number, parts))
        return "OK", [(b"%s (BODY[] {n})" % number, self.messages[number]), b")"]

    def logout(self):
        self.calls.append(("logout",))


def test_import_from_imap_reads_unseen_messages_without_marking_them(settings, monkeypatch):
    settings.WHITEPAPER_IMAP_URL = "imaps://papers%40magnetiq.example:s3cret@mail.example:993/Submissions"
    FakeIMAP.instances.clear()
    monkeypatch.setattr(inbox.imaplib, "IMAP4_SSL", FakeIMAP)
    call_command("import_whitepaper_emails", "--imap", stdout=io.StringIO(), stderr=io.StringIO())
    (client,) = FakeIMAP.instances
    assert (client.host, client.port) == ("mail.example", 993)
    assert client.calls == [
        ("login", "papers@magnetiq.example", "s3cret"),
        ("select", "Submissions", True),
        ("search", "UNSEEN"),
        ("fetch", b"1", "(BODY.PEEK[])"),
        ("fetch", b"2", "(BODY.PEEK[])"),
        ("logout",),
    ]
    assert sorted(EmailSubmission.objects.values_list("message_id", flat=True)) == [
        "<paper-1@authors.example>",
        "<paper-2@authors.example>",
    ]
    # Read again (the messages stay unseen): nothing is imported twice.
    call_command("import_whitepaper_emails", "--imap", stdout=io.StringIO(), stderr=io.StringIO())
    assert EmailSubmission.objects.count() == 2
