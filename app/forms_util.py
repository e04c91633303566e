"""Small helpers shared by the forms."""


def clean_text(value):
    """Browsers send textarea lines with CRLF; keep LF only and trim the ends."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value
