"""Reminder email over SMTP: one connection per run, failures turned into DeliveryError with plain words."""
import smtplib
from email.message import EmailMessage


class DeliveryError(Exception):
    """An email that did not go; `connection` is True when the server could not be reached at all."""

    def __init__(self, message, connection=False):
        super().__init__(message)
        self.connection = connection


class Mailer:
    def __init__(self, host, port, sender, timeout):
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self._smtp = None

    @classmethod
    def from_config(cls, config):
        return cls(config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_SENDER"], config["SMTP_TIMEOUT"])

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one plain-text email or raise DeliveryError."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        if self._smtp is None:
            try:
                self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            except (OSError, smtplib.SMTPException) as e:  # refused, unreachable, timed out, bad greeting
                self._smtp = None
                raise DeliveryError(f"could not connect to SMTP server {self.server}: {_words(e)}", connection=True)
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            self._reset()
            raise DeliveryError(f"SMTP server {self.server} refused the message to {to}: {_words(e)}")
        except (OSError, smtplib.SMTPException) as e:  # dropped or timed out mid-conversation
            self.close()
            raise DeliveryError(f"SMTP server {self.server} failed while sending to {to}: {_words(e)}",
                                connection=True)

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
