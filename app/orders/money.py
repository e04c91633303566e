"""An order's money: net, VAT per rate and gross — the one calculation every screen, document
and credit check uses.

VAT is charged at each line's rate (the product's rate when the line was entered) only for a
customer whose tax treatment is "standard"; zero-rated, reverse-charge and exempt customers
pay no VAT. VAT is worked out per rate on the net total of that rate and rounded half up to
the penny, as HMRC allows for invoices.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.formatting import money, percent

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")

# The legal words a document carries when no VAT is charged (by Customer.tax_treatment).
TREATMENT_NOTES = {
    "standard": "",
    "zero_rated": "Zero-rated export: goods exported outside the UK, no UK VAT charged",
    "reverse_charge": "Reverse charge: customer to account for VAT to HMRC",
    "exempt": "Exempt from VAT: no VAT charged",
}


@dataclass(frozen=True)
class VatLine:
    rate: Decimal  # percent
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat_lines: tuple[VatLine, ...]
    treatment: str

    @property
    def vat(self) -> Decimal:
        return sum((v.vat for v in self.vat_lines), ZERO)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def note(self) -> str:
        """The legal words for a customer who pays no VAT ("" for standard)."""
        return TREATMENT_NOTES.get(self.treatment, "")


def line_rate(line, treatment: str) -> Decimal:
    """The VAT rate (percent) that applies to an order line for this tax treatment."""
    if treatment != "standard":
        return ZERO
    rate = line.tax_rate if line.tax_rate is not None else line.product.tax_rate
    return Decimal(rate)


def vat_label(rate) -> str:
    """The row label of a rate: "VAT at 20%" (the percentage as the business's locale writes it)."""
    return f"VAT at {percent(rate)}"


def line_net(line) -> Decimal:
    return (Decimal(line.unit_price) * line.quantity).quantize(PENNY)


def totals(lines, treatment: str = "standard") -> Totals:
    """Net, VAT per rate and gross of order lines (anything with quantity, unit_price, tax_rate
    and product) for a customer with this tax treatment."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        net = line_net(line)
        rate = line_rate(line, treatment).quantize(PENNY)
        by_rate[rate] = by_rate.get(rate, ZERO) + net
    vat_lines = tuple(
        VatLine(rate, net, (net * rate / 100).quantize(PENNY, rounding=ROUND_HALF_UP))
        for rate, net in sorted(by_rate.items(), reverse=True))
    return Totals(sum(by_rate.values(), ZERO), vat_lines, treatment)


def order_totals(order) -> Totals:
    """The totals of an order for its customer's tax treatment."""
    return totals(order.lines, order.customer.tax_treatment)


def printed_totals(t: Totals) -> dict:
    """The totals as the words and amounts a document prints (plain strings, no ORM)."""
    return {
        "net": money(t.net), "vat": money(t.vat), "gross": money(t.gross), "note": t.note,
        "vat_lines": [{"label": vat_label(v.rate), "net": money(v.net), "vat": money(v.vat)} for v in t.vat_lines]
        or [{"label": vat_label(ZERO), "net": money(ZERO), "vat": money(ZERO)}],
    }
