"""What a pick list, a wave pick list and a packing slip print, as plain values.

Lines are sorted in walking order: aisle by aisle, and within an aisle bays go up in
odd aisles (A, C, ...) and down in even ones (B, D, ...), so the picker walks a snake
through the warehouse instead of back to the front of every aisle. Bins without a
location come last.
"""

import re
from collections import defaultdict

from app.documents.barcodes import code128, qr
from app.orders.money import order_totals, printed_totals
from app.orders.picking import picked_now
from app.orders.states import METHOD_LABELS

_PART = re.compile(r"[A-Za-z]+|\d+")


def _natural(part: str):
    return (0, int(part), "") if part.isdigit() else (1, 0, part.upper())


def _aisle_index(aisle: str) -> int:
    if aisle.isdigit():
        return int(aisle) - 1
    return sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(aisle.upper()))) - 1


def walk_key(bin_location: str) -> tuple:
    """Sort key for a bin such as "B-07-2": aisle, then bay (snaking), then level."""
    parts = _PART.findall(bin_location or "")
    if not parts:
        return (1, ())
    aisle, rest = parts[0], [_natural(p) for p in parts[1:]]
    if rest and _aisle_index(aisle) % 2 == 1 and rest[0][0] == 0:
        rest[0] = (0, -rest[0][1], "")
    return (0, (_natural(aisle), *rest))


def _requests(order) -> list[dict]:
    return [{"kind": r.kind.replace("_", " "), "text": r.text, "team": r.owner_team}
            for r in order.special_requests if r.status == "approved"]


def _header(order, order_url: str) -> dict:
    return {
        "number": order.number, "customer": order.customer.name, "customer_code": order.customer.code,
        "method": order.method, "method_label": METHOD_LABELS[order.method], "address": order.address,
        "instructions": order.instructions, "customer_reference": order.customer_reference,
        "promised_date": order.promised_date.strftime("%a %d %b %Y") if order.promised_date else "",
        "barcode": code128(order.number), "qr": qr(order_url), "url": order_url,
        "requests": _requests(order),
    }


def _pick_lines(order) -> list[dict]:
    lines = [
        {"bin": line.product.bin_location or "—", "sku": line.sku, "description": line.description,
         "quantity": line.qty_reserved, "ordered": line.quantity, "backordered": line.qty_backordered,
         "barcode": code128(line.sku)}
        for line in order.lines if line.qty_reserved > 0
    ]
    return sorted(lines, key=lambda ln: (walk_key(ln["bin"] if ln["bin"] != "—" else ""), ln["sku"]))


def pick_list(order, order_url: str) -> dict:
    """One order's pick list: header, banners and the lines to pick in walking order."""
    return {**_header(order, order_url), "lines": _pick_lines(order),
            "waiting": [{"sku": ln.sku, "description": ln.description, "quantity": ln.qty_backordered}
                        for ln in order.lines if ln.qty_backordered]}


def wave_summary(pick_lists: list[dict]) -> list[dict]:
    """Every bin to visit once, with the total to take and how it splits over the orders
    (and their totes, when the lists carry one)."""
    by_bin = defaultdict(lambda: {"total": 0, "orders": []})
    for pl in pick_lists:
        for line in pl["lines"]:
            row = by_bin[(line["bin"], line["sku"])]
            row.update(bin=line["bin"], sku=line["sku"], description=line["description"],
                       barcode=line["barcode"])
            row["total"] += line["quantity"]
            row["orders"].append({"number": pl["number"], "quantity": line["quantity"], "tote": pl.get("tote")})
    return sorted(by_bin.values(), key=lambda r: (walk_key(r["bin"] if r["bin"] != "—" else ""), r["sku"]))


def pack_slip_for(order) -> dict:
    """What goes in the box this time, and what follows later."""
    return {
        "number": order.number, "customer": order.customer.name, "customer_code": order.customer.code,
        "address": order.address, "method_label": METHOD_LABELS[order.method],
        "customer_reference": order.customer_reference, "instructions": order.instructions,
        "barcode": code128(order.number),
        "lines": [{"sku": ln.sku, "description": ln.description, "quantity": picked_now(ln),
                   "ordered": ln.quantity, "earlier": ln.qty_shipped}
                  for ln in order.lines if picked_now(ln) > 0],
        "to_follow": [{"sku": ln.sku, "description": ln.description,
                       "quantity": ln.quantity - ln.qty_shipped - picked_now(ln)}
                      for ln in order.lines if ln.quantity - ln.qty_shipped - picked_now(ln) > 0],
        "totals": printed_totals(order_totals(order)),  # the whole order's value, with VAT
    }
