"""Where the relay hands email over: `.eml` files (default) or an SMTP server."""

import contextlib
import hashlib
import os
import smtplib
import tempfile
from pathlib import Path


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying will not help."""


class FileTransport:
    """Writes each message to MAIL_FILE_DIR/<outbox id>-<hash>.eml, atomically.

    The name depends only on the message, so writing it again replaces the same file:
    with this transport a message is never delivered twice."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return False

    def send(self, email, row) -> None:
        path = self.directory / eml_name(row)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(bytes(email))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:  # a full disk (ENOSPC) or any failure: no partial file stays behind
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def eml_name(row) -> str:
    digest = hashlib.sha256(row.message_id.encode()).hexdigest()[:10]
    return f"{row.id:08d}-{digest}.eml"


class SmtpTransport:
    """Sends over one SMTP connection, opened on first use and reopened after an error."""

    def __init__(self, config):
        self.config = config
        self.connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._close()
        return False

    def _connect(self):
        c = self.config
        connection = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
        if c["MAIL_USE_TLS"]:
            connection.starttls()
        if c["MAIL_USERNAME"]:
            connection.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
        return connection

    def _close(self):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def send(self, email, row) -> None:
        try:
            if self.connection is None:
                self.connection = self._connect()
            self.connection.send_message(email, from_addr=self.config["MAIL_FROM"], to_addrs=[row.to_address])
        except smtplib.SMTPRecipientsRefused as exc:
            self._close()
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise PermanentFailure(f"Recipient refused: {exc.recipients}") from exc
            raise
        except smtplib.SMTPResponseException as exc:
            self._close()
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        except (smtplib.SMTPException, OSError):
            self._close()
            raise


def transport_for(config):
    if config["MAIL_TRANSPORT"] == "smtp":
        return SmtpTransport(config)
    if config["MAIL_TRANSPORT"] == "file":
        return FileTransport(config["MAIL_FILE_DIR"])
    raise ValueError(f"MAIL_TRANSPORT must be 'file' or 'smtp', not {config['MAIL_TRANSPORT']!r}")
