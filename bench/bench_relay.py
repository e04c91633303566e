"""Mail relay throughput: 500 queued confirmation emails (HTML, text, PDF attached) to a
local aiosmtpd server, sent by one relay.

    .venv/bin/python -m bench.bench_relay
"""

import socket
import time

from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.documents.store import find_document
from app.extensions import db
from app.mail import relay
from app.mail.models import OutboxMessage
from app.mail.outbox import queue_email
from bench._setup import bench_app, ten_line_order

MESSAGES = 500


class Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queue_messages(order, count: int) -> int:
    """Queue copies of the order's confirmation until `count` wait; returns one's size in bytes."""
    document = find_document(order.id, "confirmation", 1)
    first = db.session.execute(select(OutboxMessage)).scalar_one()
    for n in range(count - 1):
        queue_email(f"buyer{n}@example.com", first.subject, first.body_text, body_html=first.body_html,
                    order=order, document=document)
    db.session.commit()
    return len(document.content) + len(first.body_html) + len(first.body_text)


def main() -> None:
    port = free_port()
    counter = Counter()
    server = Controller(counter, hostname="127.0.0.1", port=port)
    server.start()
    app = bench_app(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    try:
        with app.app_context():
            order, _user = ten_line_order()
            size = queue_messages(order, MESSAGES)
            start = time.perf_counter()
            run = relay.run_once(batch=50)
            elapsed = time.perf_counter() - start
    finally:
        server.stop()
    assert run.sent == MESSAGES and counter.count == MESSAGES, (run, counter.count)
    print(f"relay: {MESSAGES} queued messages (~{size // 1024} KB each, PDF attached) to local aiosmtpd")
    print(f"  {elapsed:.2f} s   {MESSAGES / elapsed:.0f} messages/second   ({run})")


if __name__ == "__main__":
    main()
