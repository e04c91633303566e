"""The customer's status page: `/status/<token>`, no login (app/orders/status_links.py)."""
