"""Reminder email over SMTP: one connection per run, failures turned into DeliveryError with plain words.

A DeliveryError never names the recipient, not even where the server's reply quotes the address: its text goes to
logs (read by operations staff, shipped to log stores) and the caller knows whom it was sending to.

The connection is encrypted when SMTP_SECURITY asks (STARTTLS, or TLS from the start on port 465), with
the server's certificate checked, and signs in when SMTP_USERNAME is set; config.py refuses a username
without encryption.
"""
import re
import smtplib
import ssl
import unicodedata
from email.message import EmailMessage


class DeliveryError(Exception):
    """An email that did not go; `connection` is True when the server could not be reached at all."""

    def __init__(self, message, connection=False):
        super().__init__(message)
        self.connection = connection


class Mailer:
    def __init__(self, host, port, sender, timeout, security="none", username=None, password=None,
                 tls_context=None):
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.security, self.username, self.password = security, username, password
        self.tls_context = tls_context or ssl.create_default_context()
        self._smtp = None

    @classmethod
    def from_config(cls, config):
        context = ssl.create_default_context()
        if config.get("SMTP_CA_FILE"):
            context.load_verify_locations(cafile=config["SMTP_CA_FILE"])
        return cls(config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_SENDER"], config["SMTP_TIMEOUT"],
                   config["SMTP_SECURITY"], config["SMTP_USERNAME"], config["SMTP_PASSWORD"], context)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one plain-text email or raise DeliveryError."""
        message = EmailMessage()
        try:
            message["From"], message["To"] = header_text(self.sender), header_text(to)
            message["Subject"] = header_text(subject)  # non-ASCII is encoded (RFC 2047) by the email package
            message.set_content(body)
        except (ValueError, TypeError, IndexError) as e:  # an address the email package cannot write
            raise DeliveryError(f"the message could not be written: {_unnamed(str(e), to)}")
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            self._reset()
            raise DeliveryError(f"SMTP server {self.server} refused the message: {_unnamed(_words(e), to)}")
        except (OSError, smtplib.SMTPException) as e:  # dropped or timed out mid-conversation
            self.close()
            raise DeliveryError(f"SMTP server {self.server} failed while sending: {_unnamed(_words(e), to)}",
                                connection=True)

    def _connect(self):
        """An open, encrypted and signed-in connection as configured, or DeliveryError (connection=True)."""
        smtp = None
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    smtp.starttls(context=self.tls_context)  # refuses a server that does not offer it
            if self.username:
                smtp.login(self.username, self.password or "")
            return smtp
        except smtplib.SMTPNotSupportedError as e:
            what = "sign-in" if "AUTH" in str(e) else "STARTTLS (encryption)"
            error = DeliveryError(f"SMTP server {self.server} does not offer {what}; nothing was sent "
                                  f"unencrypted or without signing in", connection=True)
        except smtplib.SMTPAuthenticationError as e:
            error = DeliveryError(f"SMTP server {self.server} refused the sign-in as {self.username}: {_words(e)}",
                                  connection=True)
        except (OSError, smtplib.SMTPException) as e:  # refused, unreachable, timed out, bad greeting, bad TLS
            error = DeliveryError(f"could not connect to SMTP server {self.server}: {_words(e)}", connection=True)
        if smtp is not None:
            smtp.close()
        raise error

    def _reset(self):
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def header_text(value) -> str:
    """`value` fit for one header line: line breaks and other control characters become spaces, runs of
    spaces one space (a header with a line break is refused, or would start a header of its own)."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value))
    return " ".join(text.split())


def _unnamed(text, to) -> str:
    """The text with the recipient's address (as it came, in any case) put as "the recipient"."""
    return re.sub(re.escape(str(to)), "the recipient", text, flags=re.IGNORECASE) if str(to) else text


def _words(error) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for code, msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {message}"
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__
