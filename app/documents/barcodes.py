"""Barcodes and QR codes for printed documents, as small PNG `data:` URLs (no files, no network).

python-barcode and qrcode compute the modules; each module becomes one pixel, and the
documents' CSS scales the image with `image-rendering: pixelated`, so edges stay sharp on
paper while WeasyPrint only has to place a bitmap (drawing vector bars cost a third of a
pick list's render time). The PNGs are 8-bit grey (only black and white pixels): WeasyPrint
embeds a grey PNG as it is, while a 1-bit one is converted to RGB and encoded again, image by
image, on every render.
"""

import base64
from functools import lru_cache
from io import BytesIO

import barcode
import qrcode
import qrcode.constants
from PIL import Image

QUIET_MODULES = 6
BAR_HEIGHT_MODULES = 32  # 8 mm tall at 0.25 mm per module


def _png_data_url(image: Image.Image) -> str:
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@lru_cache(maxsize=4096)
def code128(value: str) -> str:
    """A Code128 barcode of `value` (an order number or SKU) that a scanner reads back as typed."""
    modules = "0" * QUIET_MODULES + barcode.Code128(value).build()[0] + "0" * QUIET_MODULES
    row = bytes(0 if bit == "1" else 255 for bit in modules)
    image = Image.frombytes("L", (len(modules), 1), row).resize((len(modules), BAR_HEIGHT_MODULES), Image.NEAREST)
    return _png_data_url(image)


@lru_cache(maxsize=1024)
def qr(value: str) -> str:
    """A QR code of `value`, typically the order page's URL."""
    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(value)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    return _png_data_url(Image.frombytes("L", (size, size), pixels))
