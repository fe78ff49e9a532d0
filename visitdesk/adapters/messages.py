"""E-mail drafts as ``.eml`` files: the officer opens one in the bank's mail program, checks it
and sends it from there (visitdesk sends nothing itself). The handout PDF travels as an
attachment; the text comes from ``core/collection/messages.py``."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from visitdesk.core.collection.messages import Message


def eml_bytes(message: Message, *, sender: str = "", to: str = "",
              attachment: tuple[str, bytes] | None = None) -> bytes:
    """The message as an RFC 5322 file (UTF-8, the PDF base64-encoded)."""
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = message.subject
    if sender:
        mail["From"] = sender
    if to:
        mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="visitdesk.invalid")
    mail["X-Unsent"] = "1"  # Outlook opens it as a draft to send
    mail.set_content(message.text, subtype="plain", charset="utf-8")
    if attachment is not None:
        name, data = attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return mail.as_bytes()
