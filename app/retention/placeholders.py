"""What stays in place of a removed document or order email: small, fixed, and saying why.

Fixed bytes (no rendering): the purge writes the same placeholder into every row it
touches with one UPDATE, and a second purge leaves them as they are.
"""

REMOVED = "(removed after the retention period)"

_NOTICE = ("This document held a customer's personal data and was removed after the "
           "retention period. The order's record is kept.")


def _pdf(text: str) -> bytes:
    """A one-page PDF showing `text` in Helvetica (a hand-made file; byte offsets computed)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) > 70:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    stream = "BT /F1 11 Tf 56 780 Td 15 TL " + " ".join(f"({s}) '" for s in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    out, offsets = "%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("ascii")


REMOVED_PDF = _pdf(_NOTICE)
REMOVED_EML = (f"Subject: {REMOVED}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
               "This order email held a customer's personal data and was removed after the "
               "retention period.\r\n").encode("ascii")
