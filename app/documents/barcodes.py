"""Barcodes and QR codes for printed documents, as SVG `data:` URLs (no files, no network)."""

import base64
from functools import lru_cache

import barcode
import qrcode
import qrcode.image.svg
from barcode.writer import SVGWriter

CODE128_OPTIONS = {"module_width": 0.25, "module_height": 8, "write_text": False, "quiet_zone": 1.5}


def _data_url(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@lru_cache(maxsize=4096)
def code128(value: str) -> str:
    """A Code128 barcode of `value` (an order number or SKU) that a scanner reads back as typed."""
    return _data_url(barcode.Code128(value, writer=SVGWriter()).render(CODE128_OPTIONS))


@lru_cache(maxsize=1024)
def qr(value: str) -> str:
    """A QR code (SVG) of `value`, typically the order page's URL."""
    image = qrcode.make(value, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    return _data_url(image.to_string())
