"""A real SMTP server (aiosmtpd) on a local port, which can be taken down and brought back."""

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What the SMTP server accepted; addresses in `refuse` get a permanent 550."""

    def __init__(self):
        self.received = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address):
        return [msg for rcpts, msg in self.received if address in rcpts]


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app, monkeypatch):
    """An aiosmtpd server, running; the app's relay is pointed at it (MAIL_TRANSPORT=smtp)."""
    server = SmtpServer()
    server.start()
    for key, value in {"MAIL_TRANSPORT": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port,
                       "MAIL_USE_TLS": False, "MAIL_USERNAME": None, "MAIL_TIMEOUT": 5}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()
