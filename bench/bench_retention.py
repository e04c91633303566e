"""Retention purge over a large history: how long the dry run and the purge take.

    .venv/bin/python -m bench.bench_retention      (BENCH_RETENTION_ORDERS, default 100000)

ORDERS closed orders two years old (delivered, with two lines, a revision, a call note, a
confirmation document and its email each), over 2,000 customers, plus one open order per
tenth customer (those customers keep their details). Rows are inserted in bulk; the purge
runs as the command runs it, committing after each batch.
"""

import os
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert

from app.auth.services import create_user
from app.catalog.models import Product
from app.customers.models import Address, Customer
from app.documents.models import Document
from app.extensions import db
from app.mail.models import OutboxMessage
from app.orders.models import Communication, Order, OrderLine, Revision
from app.retention import purge
from app.timeutil import utcnow
from bench._setup import bench_app

ORDERS = int(os.environ.get("BENCH_RETENTION_ORDERS", "100000"))
CUSTOMERS = 2000
CHUNK = 5000


def _history(user_id: int) -> None:
    now = utcnow()
    old = now - timedelta(days=730)
    product = Product(sku="SKU-0001", name="Hinge", unit_price=Decimal("12.50"))
    db.session.add(product)
    db.session.flush()
    db.session.execute(insert(Customer), [
        {"id": c, "code": f"C{c:05d}", "name": f"Customer {c}", "contact_name": "Jane Doe",
         "email": f"c{c}@example.com", "phone": "07700 900123", "created_at": old} for c in range(1, CUSTOMERS + 1)])
    db.session.execute(insert(Address), [{"customer_id": c, "text": "1 High Street\nLeeds", "is_default": True}
                                         for c in range(1, CUSTOMERS + 1)])
    for start in range(1, ORDERS + 1, CHUNK):
        ids = range(start, min(start + CHUNK, ORDERS + 1))
        db.session.execute(insert(Order), [
            {"id": i, "number": f"SO-2024-{i:06d}", "customer_id": i % CUSTOMERS + 1, "channel": "phone",
             "method": "delivery", "address": "1 High Street\nLeeds", "instructions": "Ring 07700 900123",
             "status": "delivered", "revision": 1, "created_at": old, "status_changed_at": old, "closed_at": old,
             "updated_at": old} for i in ids])
        db.session.execute(insert(OrderLine), [
            {"order_id": i, "position": p, "product_id": product.id, "sku": "SKU-0001", "description": "Hinge",
             "quantity": 2, "unit_price": Decimal("12.50"), "qty_shipped": 2} for i in ids for p in (0, 1)])
        db.session.execute(insert(Revision), [
            {"order_id": i, "number": 1, "channel": "phone", "created_at": old, "diff": [],
             "snapshot": {"number": f"SO-2024-{i:06d}", "address": "1 High Street", "instructions": "Ring"}}
            for i in ids])
        db.session.execute(insert(Document), [
            {"id": i, "order_id": i, "kind": "confirmation", "revision": 1, "filename": f"{i}.pdf",
             "sha256": "0" * 64, "content": b"%PDF-1.4 " + b"x" * 20_000} for i in ids])
        db.session.execute(insert(Communication), [
            {"order_id": i, "direction": "out", "medium": "phone", "summary": "Read back to Jane",
             "contact": "Jane 07700 900123", "created_at": old} for i in ids])
        db.session.execute(insert(OutboxMessage), [
            {"message_id": f"<{i}@bench>", "order_id": i, "to_address": f"c{i % CUSTOMERS + 1}@example.com",
             "subject": "Your order", "body_text": "Dear Jane", "status": "sent", "document_id": i}
            for i in ids])
        db.session.commit()
    db.session.execute(insert(Order), [
        {"id": ORDERS + c, "number": f"SO-2026-{c:06d}", "customer_id": c, "channel": "phone", "status": "confirmed",
         "created_at": now, "status_changed_at": now, "updated_at": now, "created_by_id": user_id}
        for c in range(1, CUSTOMERS + 1, 10)])
    db.session.commit()


def main() -> None:
    app = bench_app()
    with app.app_context():
        _history(create_user("manager", "bench-password", ["manager"]).id)
        started = time.perf_counter()
        dry = purge(dry_run=True)
        db.session.rollback()
        dry_s = time.perf_counter() - started
        batches = [time.perf_counter()]

        def commit():  # the command commits after each batch; how long each held the writers
            db.session.commit()
            batches.append(time.perf_counter())

        started = time.perf_counter()
        done = purge(after_batch=commit)
        db.session.commit()
        purge_s = time.perf_counter() - started
        longest = max(b - a for a, b in zip(batches, batches[1:], strict=False))
        started = time.perf_counter()
        again = purge()
        db.session.commit()
        again_s = time.perf_counter() - started
        assert dry.counts == done.counts and again.total == 0, (dry.counts, done.counts, again.counts)
        print(f"retention purge, {ORDERS} closed orders past retention on {db.engine.dialect.name}:")
        print(f"  dry run      {dry_s:7.2f} s")
        print(f"  purge        {purge_s:7.2f} s   ({done.counts['orders']} orders, "
              f"{done.counts['customers']} customers)")
        print(f"  longest batch {longest * 1000:6.0f} ms   ({len(batches) - 1} batches of up to 500; "
              "other writers wait at most this long)")
        print(f"  second run   {again_s:7.2f} s   (finds nothing)")


if __name__ == "__main__":
    main()
