"""The company as its documents name it: the letterhead and the legal line (company
registration and VAT registration numbers) of the confirmation, the packing slip and the
confirmation email, read through `setting()` so a change on the settings page shows at once."""

from flask import current_app

from app.settings.store import setting


def company_details() -> dict:
    """Name, address, phone, email, company registration number and VAT registration number
    ("" for a number not set yet)."""
    return {"name": setting("BUSINESS_NAME"), "address": setting("BUSINESS_ADDRESS"),
            "phone": setting("BUSINESS_PHONE"),
            "email": setting("BUSINESS_EMAIL") or current_app.config["MAIL_FROM"],
            "company_number": setting("COMPANY_NUMBER"), "vat_number": setting("VAT_NUMBER")}
