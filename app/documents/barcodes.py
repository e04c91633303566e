"""Barcodes and QR codes for printed documents, as SVG `data:` URLs (no files, no network)."""

import base64
from functools import lru_cache

import barcode
import qrcode
import qrcode.constants


def _data_url(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


QUIET_MODULES = 6
BAR_HEIGHT_MODULES = 32  # 8 mm at 0.25 mm per module


def _bar_strokes(modules: str) -> str:
    """The bars as stroked vertical lines, one path per bar width (1-4 modules).

    A handful of short paths is far cheaper for WeasyPrint to parse and draw than a
    rectangle element per bar (python-barcode's own SVG writer).
    """
    by_width, start = {}, None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            width = i - start
            by_width.setdefault(width, []).append(f"M{start + QUIET_MODULES + width / 2:g} 0V{BAR_HEIGHT_MODULES}")
            start = None
    return "".join(f'<path stroke="#000" stroke-width="{w}" d="{"".join(d)}"/>' for w, d in sorted(by_width.items()))


@lru_cache(maxsize=4096)
def code128(value: str) -> str:
    """A Code128 barcode of `value` (an order number or SKU) that a scanner reads back as typed.

    python-barcode encodes the modules; we draw them as a single path (0.25 mm per module).
    """
    modules = barcode.Code128(value).build()[0]
    width = len(modules) + 2 * QUIET_MODULES
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 0.25:.2f}mm" height="8mm" '
           f'viewBox="0 0 {width} {BAR_HEIGHT_MODULES}">{_bar_strokes(modules)}</svg>')
    return _data_url(svg.encode())


def _row_runs(row) -> list[tuple[int, int]]:
    runs, start = [], None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


@lru_cache(maxsize=1024)
def qr(value: str) -> str:
    """A QR code (SVG) of `value`, typically the order page's URL.

    The qrcode library computes the modules; each row's dark runs become one stroked
    line, which WeasyPrint draws much faster than a square per module.
    """
    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(value)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    d = "".join(f"M{x} {y + 0.5}h{n}" for y, row in enumerate(matrix) for x, n in _row_runs(row))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}mm" height="{size}mm" viewBox="0 0 {size} {size}">'
           f'<path stroke="#000" stroke-width="1" d="{d}"/></svg>')
    return _data_url(svg.encode())
