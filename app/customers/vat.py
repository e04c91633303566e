"""VAT numbers as customers write them ("GB 980 7806 84", "de136695976"), checked and kept
in one compact form with the country prefix ("GB980780684", "DE136695976")."""

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as InvalidNumber
from stdnum.gb import vat as gb_vat

from app.errors import Refusal


def compact_vat_number(text: str) -> str:
    """The checked, compact VAT number ('' for none); a Refusal saying what is wrong if it is not
    a valid UK (GB…, or nine or twelve digits) or EU number."""
    number = gb_vat.compact(text or "")
    if not number:
        return ""
    try:
        if number.isdigit() or number.startswith("GB"):
            return "GB" + gb_vat.validate(number)
        return eu_vat.validate(number)
    except InvalidNumber as wrong:
        raise Refusal(f"{text.strip()} is not a valid VAT number: {_why(wrong)}.") from None


def _why(wrong: InvalidNumber) -> str:
    if isinstance(wrong, InvalidChecksum):
        return "its check digits do not match (a typing mistake?)"
    if isinstance(wrong, InvalidLength):
        return "it has the wrong number of digits"
    return "give a UK number (GB and 9 digits) or an EU one starting with its country code"
