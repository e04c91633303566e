"""Cells that are safe to open in a spreadsheet, for every CSV Order Desk writes (list
downloads and data exports) and the way an import reads such a cell back."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text; text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unsafe_cell(text: str) -> str:
    """A cell as `safe_cell` wrote it back to its value (the apostrophe it added removed)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
