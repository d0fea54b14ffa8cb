"""Sends email through the configured SMTP server (smtplib), HTML with a plain-text
alternative. Addresses are validated (email-validator) before they reach a header, so a
form field cannot inject headers."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email

from plumbline.errors import InvalidInput, PlumblineError

if TYPE_CHECKING:
    from plumbline.settings import Settings

log = logging.getLogger(__name__)
MAX_EMAIL_LENGTH = 254


class MailError(PlumblineError):
    """The SMTP server could not be reached or refused the message."""

    status = 502
    title = "Email could not be sent"


def clean_address(value: str) -> str:
    """A normalized email address, or InvalidInput. No display names, no line breaks, no
    DNS lookups (works offline)."""
    value = (value or "").strip()
    if not value or len(value) > MAX_EMAIL_LENGTH or any(c in value for c in "\r\n\0<>,;"):
        raise InvalidInput("enter one valid email address")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"enter one valid email address ({exc})") from None
    return checked.normalized


@dataclass(slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe


class Mailer:
    """One SMTP connection per send (digests are sent in small numbers per run)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def message(self, email: Email) -> EmailMessage:
        message = EmailMessage()
        name, address = parseaddr(self.settings.mail_from)
        message["From"] = formataddr((name, address))
        message["To"] = clean_address(email.to)
        message["Subject"] = " ".join(email.subject.split())[:200]
        domain = address.rsplit("@", 1)[-1] or "plumbline.invalid"
        message["Message-ID"] = make_msgid(domain=domain)
        for header, value in email.headers.items():
            message[header] = " ".join(value.split())
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        return message

    def send(self, email: Email) -> str:
        """Send one email; returns its Message-ID. Raises MailError."""
        message = self.message(email)
        s = self.settings
        try:
            if s.smtp_security == "tls":
                context = ssl.create_default_context()
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            with client:
                if s.smtp_security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                    client.login(s.smtp_username, password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail to %s failed: %s", message["To"], type(exc).__name__)
            raise MailError(
                f"the mail server did not take the message ({type(exc).__name__})"
            ) from exc
        return str(message["Message-ID"])
