"""stock.csv: sku,on_hand — the opening balance. Each product whose count differs gets one
ledger adjustment (the difference), so on hand becomes the file's figure and the ledger still
adds up; a count below what open orders hold reserved is refused."""

from functools import partial

from sqlalchemy import bindparam, insert, select, update

from app.catalog.models import Product, StockMovement
from app.dataio import files
from app.dataio.kind import Kind
from app.extensions import db
from app.timeutil import utcnow


class Stock(Kind):
    name = "stock"
    title = "Opening stock"
    columns = ("sku", "on_hand")
    key_columns = ("sku",)
    cells = {"sku": partial(files.text, limit=40, required=True), "on_hand": files.whole}

    def load(self, rows):
        """Every product by SKU: id, on hand and reserved."""
        return {p.sku: p._asdict() for p in db.session.execute(
            select(Product.sku, Product.id, Product.on_hand, Product.reserved))}

    def check(self, row, stored):
        product = stored.get(row.values["sku"])
        if product is None:
            return [("sku", f"no product with the SKU “{row.values['sku']}” (import products first)")]
        if row.values["on_hand"] < product["reserved"]:
            return [("on_hand", f"{row.values['on_hand']} is below the {product['reserved']} units "
                                "reserved for open orders")]
        return []

    def compare(self, row, stored):
        return set() if row.values["on_hand"] == stored[row.values["sku"]]["on_hand"] else {"on_hand"}

    def write(self, rows, stored, *, actor_id, filename):
        moves = [{"product_id": stored[r.values["sku"]]["id"],
                  "change": r.values["on_hand"] - stored[r.values["sku"]]["on_hand"]} for r in rows if r.changes]
        if not moves:
            return
        now = utcnow()
        db.session.execute(insert(StockMovement), [
            {"product_id": m["product_id"], "kind": "adjustment", "quantity": m["change"],
             "reason": f"Opening balance from {filename}"[:200], "user_id": actor_id, "created_at": now}
            for m in moves])
        # relative, so a count taken between the check and this write still adds up with the ledger
        db.session.connection().execute(
            update(Product.__table__).where(Product.id == bindparam("product_id"))
            .values(on_hand=Product.on_hand + bindparam("change")), moves)
        db.session.expire_all()
