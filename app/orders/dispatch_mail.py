"""The email that tells a customer their goods are on the way (queued in the outbox)."""


from app.orders.notices import Notice, tell_customer
from app.settings.store import setting


def dispatch_email_text(order, shipment) -> str:
    by_line = {line.id: line for line in order.lines}
    items = "\n".join(
        f"  {sl.quantity} x {by_line[sl.order_line_id].sku}  {by_line[sl.order_line_id].description}"
        for sl in shipment.lines
    )
    backorder = [line for line in order.lines if line.quantity > line.qty_shipped]
    rest = ""
    if backorder:
        rest = "\nStill to follow (we will send these as soon as they are in stock):\n" + "\n".join(
            f"  {line.quantity - line.qty_shipped} x {line.sku}  {line.description}" for line in backorder
        ) + "\n"
    tracking = f"Carrier: {shipment.carrier or '—'}\nTracking number: {shipment.tracking_number or '—'}\n"
    return (
        f"Dear {order.customer.contact_name or order.customer.name},\n\n"
        f"Your order {order.number} has been dispatched"
        f"{' (customer reference ' + order.customer_reference + ')' if order.customer_reference else ''}.\n\n"
        f"{tracking}\nIn this delivery:\n{items}\n{rest}\nDelivery address:\n{order.address}\n\n"
        f"Kind regards,\n{setting('BUSINESS_NAME')}\n"
    )


def queue_dispatch_email(order, shipment, actor=None):
    """Tell the customer their goods are on the way, by their preferred channel (an email in
    the outbox, or a notice owed by phone or post): the Communication row."""
    return tell_customer(order, Notice("dispatch", f"Order {order.number} dispatched",
                                       dispatch_email_text(order, shipment), after={"shipment_id": shipment.id}),
                         actor)
