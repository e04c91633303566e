"""Reading an order email the way customers write it.

The body (plain text, or HTML when it holds a table) is split into what the customer
wrote now and what is quoted from earlier mail: quoted replies ("> …", "On … wrote:",
"-----Original Message-----", "From: … Sent: …") are not read, a forwarded order is.
The signature (after "-- " or a sign-off, phone / ext / VAT lines) is not read either.
What is left, and CSV / XLSX / PDF attachments, become rows; each row is read against
the catalogue (one query for every code-like word of the message, case-insensitive):
`SKU 3`, `3 x SKU`, `SKU - qty 4`, `Qty: 5  Item: SKU`, `x 10 pcs`, `1,000`, numbered and
bulleted lines, descriptions in between, tables whose header names the SKU and quantity
columns. A row that looks like an order line (a code-like word and a quantity) but could
not be read is returned as a check for the rep: nothing is dropped silently.

Everything is capped (lines, characters, tokens, HTML size) and no pattern backtracks.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from itertools import islice

import charset_normalizer
import openpyxl
import pypdf
from bs4 import BeautifulSoup, NavigableString, Tag
from sqlalchemy import false, func, or_, select

from app.catalog.models import Product
from app.extensions import db

MAX_SCAN_LINES = 5_000     # body lines looked at
MAX_LINE_CHARS = 300       # longer lines are prose, not order lines
MAX_HTML_CHARS = 120_000    # of HTML after the styling is stripped
MAX_TABLES = 200
MAX_ROWS = 2_000           # attachment rows looked at
MAX_PDF_PAGES = 20
MAX_CODES = 5_000          # code-like words looked up
MAX_LINES = 200            # lines put on a draft
MAX_CHECKS = 40            # checks made for one message

BLOCKS = {"p", "div", "table", "tbody", "thead", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
          "pre", "section", "article", "header", "footer", "center", "dl", "dt", "dd", "address", "form"}
HIDDEN = {"script", "style", "head", "title", "noscript", "template", "xml", "meta"}
TOO_LONG = "[The rest of this HTML message is too long to read here: see the original email.]"
LATIN = re.compile(r"cp125[02]|iso8859_(?:[1-4]|9|1[0356])$|latin_1|mac_(?:roman|latin2|iceland)")
QUOTE_OPEN, QUOTE_CLOSE = "\x02quote-open\x02", "\x02quote-close\x02"

UNITS = (r"pcs?|pieces?|ea|each|units?|nos?|off|boxe?s|bx|packs?|pks?|ctns?|cartons?|cases?|rolls?|pairs?|"
         r"prs|bags?|sets?|tins?|bottles?|tubes?|tubs?|reels?|sheets?|lengths?|drums?|pallets?")
QTY_TOKEN = re.compile(rf"([x×@])?(\d{{1,3}}(?:,\d{{3}})+|\d{{1,6}})(x|×|{UNITS})?", re.IGNORECASE)
UNIT_WORD = re.compile(rf"(?:{UNITS})", re.IGNORECASE)
QTY_WORDS = {"qty", "quantity", "qnty", "qty.", "quan", "x", "×", "qty:", "quantity:", "amount"}
TOKEN_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])|[A-Za-z0-9×][A-Za-z0-9_./#×+-]{0,59}")
NOISE = re.compile(
    r"\S+@\S+|https?://\S+|www\.\S+"                           # addresses, links
    r"|[£$€]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:GBP|EUR|USD|%)"  # money, percentages
    r"|(?<![\w.-])\d+\.\d+(?![\w.])"                           # decimals (prices, totals)
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}:\d{2}\b"     # dates, times
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b",                  # UK postcodes
)
ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|am|pm|mm|cm|m|kg|g|ml|l|v|w)", re.IGNORECASE)
BULLET = re.compile(r"^\s{0,8}(?:[-*•·–—+>]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
# Lines of the letter around the order (references, addresses, the delivery), not order lines.
PREAMBLE = re.compile(r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:our |your |customer )?(?:p\.?o\.?\b|purchase order|order (?:no|number|ref)|ref\b|"
                      r"reference|account|acct|invoice|deliver|delivery|ship|address|unit \d|attn|date|"
                      r"collect|site|tel|phone)", re.IGNORECASE)
SIGN_OFF = re.compile(r"^(?:(?:kind|best|warm|warmest|many)\s+)?(?:regards|thanks|thank you|cheers|best wishes|"
                      r"best|rgds|ta|sincerely|yours sincerely|yours faithfully|many thanks)[\s,.!]*$", re.IGNORECASE)
SIGNATURE_LINE = re.compile(
    r"^\s*(?:tel|telephone|phone|ph|mob|mobile|cell|fax|ext|extension|direct|dd|switchboard|office|t|m|f|p)"
    r"\b[\s.:]*[+(\d]|\bVAT\b|\bcompany (?:reg|no|number)|\bregistered (?:in|office|no)|\breg\.? no"
    r"|^\s*sent from my\b", re.IGNORECASE)
PHONE_LINE = re.compile(r"^[\s+()\d.-]{7,}(?:\s*(?:ext|x)\.?\s*\d{1,5})?\s*$", re.IGNORECASE)
FORWARD_MARK = re.compile(r"^-{3,}\s*forwarded message\s*-{3,}$|^begin forwarded message:?$"
                          r"|^-{3,}\s*forwarded by .*$", re.IGNORECASE)
ORIGINAL_MARK = re.compile(r"^-{3,}\s*original message\s*-{3,}$|^_{10,}$", re.IGNORECASE)
ON_WROTE = re.compile(r"^on\s.{0,300}wrote:$", re.IGNORECASE)
HEADER_LINE = re.compile(r"^(?:from|sent|date|to|cc|subject|reply-to)\s*:", re.IGNORECASE)
SKU_HEADS = (("sku",), ("stock code", "item code", "product code", "part code", "part no", "part number",
             "code", "ref"), ("item", "part", "article", "product"))
QTY_HEADS = ("qty", "quantity", "qnty", "quan", "units", "no. of units", "number", "pcs", "order qty")
NOT_QTY_HEADS = ("price", "cost", "total", "value", "£", "vat", "net", "each")
TOTAL_ROW = re.compile(r"\b(?:sub\s?total|total|vat|carriage|delivery|shipping)\b", re.IGNORECASE)
CHECK = "Check: "  # marks a recorded problem that is also a check on the draft (kind email_line)
FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|fw)\s*:", re.IGNORECASE)


@dataclass
class Row:
    """One candidate order line: as shown to the rep, where it came from, and for a row of
    a table with known columns, its code and quantity cells."""

    text: str
    where: str = ""
    cells: tuple[str, str] | None = None
    known_only: bool = False   # after the sign-off: read only if it names a product
    always_check: bool = False  # a row of an attached order sheet: never ignored


@dataclass
class Reading:
    text: str = ""
    lines: list[tuple[str, int]] = field(default_factory=list)  # (catalogue SKU, quantity)
    checks: list[str] = field(default_factory=list)  # lines that look like order lines, not read
    notes: list[str] = field(default_factory=list)   # anything else worth telling the rep


def email_checks(problems: str | None) -> list[str]:
    """The checks among an email's recorded problems (InboundEmail.problems)."""
    return [p[len(CHECK):] for p in (problems or "").splitlines() if p.startswith(CHECK)]


# ---------------------------------------------------------------- decoding

def decode(payload: bytes, declared: str | None) -> str:
    """Text of a part: the declared charset when it decodes cleanly, else UTF-8, else what
    charset-normalizer detects, else Windows-1252 (never dropped)."""
    if (declared or "").lower() in ("iso-8859-1", "latin-1", "latin1"):
        declared = "cp1252"  # what that label means in practice (as browsers read it)
    for charset in (declared, "utf-8"):
        if charset:
            try:
                return payload.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
    best = charset_normalizer.from_bytes(payload[:200_000]).best()
    if best is not None and not LATIN.match(best.encoding):
        return str(best)
    # a short Western text is often guessed as Central European ("£" read as "Ł"): Western wins
    return payload.decode("cp1252", errors="replace")


def part_text(part) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode(payload, part.get_content_charset())


def clean(text: str) -> str:
    """Text that every database stores: no NUL characters, no undecodable leftovers."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


# ---------------------------------------------------------------- HTML

def _cell_text(cell: Tag) -> str:
    return " ".join(cell.get_text(" ").split())


BLOAT = re.compile(r"""\s(?:style|class|lang|width|height|valign|align|nowrap|border|cellpadding|cellspacing|"""
                   r"""bgcolor|dir|face|size|color)=(?:"[^"]{0,3000}"|'[^']{0,3000}'|[^\s>]{0,200})"""
                   r"|</?(?:span|o:p|font|b|i|u|strong|em)\b[^<>]{0,500}>", re.IGNORECASE)


def _without_head(html: str) -> str:
    """The HTML from <body> on, without <style> blocks (Outlook puts kilobytes there)."""
    lower = html.lower()
    body = lower.find("<body")
    if body > 0:
        html, lower = html[body:], lower[body:]
    pieces, position = [], 0
    while (start := lower.find("<style", position)) >= 0:
        pieces.append(html[position:start])
        end = lower.find("</style>", start)
        position = len(html) if end < 0 else end + 8
    pieces.append(html[position:])
    return "".join(pieces)


def html_text(html: str) -> str:
    """The visible text of an HTML body: blocks on their own lines, each table row as one
    line of tab-separated cells, blockquotes as "> " lines. Walks the tree without recursion;
    styling is stripped first and the rest capped, so that parsing stays fast."""
    html = BLOAT.sub(lambda m: " " if m.group(0)[0].isspace() else "", _without_head(html[:5 * MAX_HTML_CHARS]))
    soup = BeautifulSoup(html[:MAX_HTML_CHARS], "html.parser")
    cut = "\n" + TOO_LONG + "\n" if len(html) > MAX_HTML_CHARS else ""
    tables = soup.find_all("table", limit=MAX_TABLES + 1)
    rows_in_rows = {id(parent) for table in tables[:MAX_TABLES] for parent in table.parents if parent.name == "tr"}
    by_rows = len(tables) <= MAX_TABLES  # past that, cells are simply lines
    out: list[str] = []
    stack: list = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            out.append(node)  # a marker pushed below
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString:
                out.append(re.sub(r"\s+", " ", str(node)))
            continue
        name = (node.name or "").lower()
        if name in HIDDEN:
            continue
        if name == "br":
            out.append("\n")
            continue
        if name == "hr":
            out.append("\n__________\n")
            continue
        if name == "tr" and by_rows and id(node) not in rows_in_rows:
            cells = node.find_all(["td", "th"], recursive=False)
            out.append("\n" + "\t".join(_cell_text(c) for c in cells) + "\n")
            continue
        if name == "blockquote":
            out.append("\n" + QUOTE_OPEN + "\n")
            stack.append("\n" + QUOTE_CLOSE + "\n")
        elif name in BLOCKS or name in ("tr", "td", "th"):
            out.append("\n")
            stack.append("\n")
        stack.extend(reversed(node.contents))
    lines, depth = [], 0
    for line in "".join(out).replace("\xa0", " ").splitlines():
        if line == QUOTE_OPEN:
            depth += 1
        elif line == QUOTE_CLOSE:
            depth = max(depth - 1, 0)
        elif line.strip():
            lines.append("> " * depth + line.strip(" "))
        elif lines and lines[-1]:
            lines.append("")
    return "\n".join(lines) + cut


def body_text(message) -> str:
    """Plain text of the body; the HTML part instead when it holds a table (Outlook and
    Google Sheets tables survive only there) or when there is no plain part."""
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part_text(part)
        elif kind == "text/html" and html is None:
            html = part_text(part)
    if html is not None and (plain is None or re.search(r"<table\b", html, re.IGNORECASE)):
        return html_text(html)
    return plain or ""


# ---------------------------------------------------------------- the part written now

def _marks_reply(lines: list[str], i: int) -> bool:
    """Does line i start an earlier message quoted in full (not with ">")?"""
    s = lines[i].strip()
    if ORIGINAL_MARK.match(s) or ON_WROTE.match(s):
        return True
    if s.lower().startswith("on ") and i + 1 < len(lines) and lines[i + 1].strip().lower().endswith("wrote:") \
            and len(s) < 300:
        return True
    if HEADER_LINE.match(s) and s.lower().startswith("from"):
        following = [x.strip().lower() for x in lines[i + 1:i + 4]]
        return any(x.startswith(("sent:", "date:")) for x in following)
    return False


def order_part(text: str, subject: str) -> tuple[list[tuple[str, bool]], bool]:
    """The lines to read as (line, known_only), and whether quoted earlier mail was left out.
    A forward's content is read (its ">" removed); a reply's quoted part is not."""
    # long lines are cut (an order line is short) and long runs of spaces shortened
    lines = [re.sub(" {12,}", " " * 12, line[:4 * MAX_LINE_CHARS]) for line in text.splitlines()[:MAX_SCAN_LINES]]
    forward = bool(FORWARD_SUBJECT.match(subject or ""))
    in_forward = skipping_headers = signed = quoted_left = False
    kept: list[tuple[str, bool]] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if skipping_headers:
            if HEADER_LINE.match(s.lstrip("> ")) or not s.lstrip("> "):
                continue
            skipping_headers = False
        if FORWARD_MARK.match(s) or (forward and not in_forward and _marks_reply(lines, i)):
            in_forward = skipping_headers = True
            signed = False
            continue
        if _marks_reply(lines, i):
            quoted_left = True
            break
        if s.startswith(">"):
            if not (forward or in_forward):
                quoted_left = True
                continue
            s = s.lstrip("> ").strip()
        if s in ("--", "-- ", "—") or SIGN_OFF.match(s):
            signed = True
            continue
        if not s or SIGNATURE_LINE.search(s) or PHONE_LINE.match(s):
            continue
        kept.append((s, signed))
    return kept, quoted_left


# ---------------------------------------------------------------- tables

def split_cells(line: str) -> list[str]:
    if "\t" in line:
        cells = line.split("\t")
    elif "|" in line:
        cells = line.strip().strip("|").split("|")
    else:
        cells = re.split(r"\s{2,}", line.strip())
    return [c.strip() for c in cells]


def _head(cell: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9£. ]+", " ", cell.lower()).split()).rstrip(".")


def header_columns(cells: list[str]) -> tuple[int, int] | None:
    """(sku column, quantity column) when these cells are a header row naming both."""
    heads = [_head(c) for c in cells]
    if len(heads) < 2 or len(heads) > 30 or any(re.search(r"\d", h) for h in heads):
        return None
    sku = None
    for names in SKU_HEADS:
        sku = next((i for i, h in enumerate(heads) if h in names or any(h.startswith(n + " ") for n in names)
                    and not any(w in h for w in ("description", "name"))), None)
        if sku is not None:
            break
    qty = next((i for i, h in enumerate(heads) if i != sku and not any(w in h for w in NOT_QTY_HEADS)
                and (h in QTY_HEADS or h.split(" ")[0] in QTY_HEADS)), None)
    return (sku, qty) if sku is not None and qty is not None else None


def table_rows(cells_rows, where: str, attached: bool) -> list[Row]:
    """Rows of a table (cells per row): columns from a header row when there is one."""
    rows, columns = [], None
    for number, cells in cells_rows:
        cells = [clean(str(c)).strip() if c is not None else "" for c in cells]
        if not any(cells):
            continue
        found = header_columns(cells)
        if found:
            columns = found
            continue
        text = "\t".join(c for c in cells if c)[:MAX_LINE_CHARS]
        label = f"{where} row {number}" if where else ""
        # below the header of an attached order sheet, every row is an order line or a check
        always = attached and columns is not None
        if columns and len(cells) > max(columns):
            rows.append(Row(text, label, (cells[columns[0]], cells[columns[1]]), always_check=always))
        else:
            rows.append(Row(text, label, always_check=always))
    return rows


def body_rows(kept: list[tuple[str, bool]]) -> list[Row]:
    """The body's lines as rows; a header row naming SKU and quantity columns makes the
    lines below it (until a line that is not split in cells) rows of that table."""
    rows, columns = [], None
    for line, known_only in kept:
        cells = split_cells(line)
        found = header_columns(cells)
        if found:
            columns = found
            continue
        if len(cells) < 2:
            columns = None
        text = line[:MAX_LINE_CHARS]  # a longer line is read by its start
        if columns and len(cells) > max(columns):
            rows.append(Row(text, cells=(cells[columns[0]], cells[columns[1]]), known_only=known_only))
        else:
            rows.append(Row(text, known_only=known_only))
    return rows


# ---------------------------------------------------------------- attachments

def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def attachment_rows(message, reading: Reading) -> list[Row]:
    rows: list[Row] = []
    for part in message.iter_attachments():
        name = clean(part.get_filename() or "attachment")[:80]
        lower, kind = name.lower(), part.get_content_type()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or kind.startswith("image/") or kind == "message/rfc822":
            continue
        try:
            if lower.endswith(".csv") or kind == "text/csv":
                text = decode(payload, part.get_content_charset()).lstrip("\ufeff")
                reader = csv.reader(io.StringIO(clean(text)))
                rows += table_rows(enumerate(islice(reader, MAX_ROWS), start=1), name, True)
            elif lower.endswith((".xlsx", ".xlsm")) or "spreadsheetml" in kind:
                rows += _xlsx_rows(payload, name)
            elif lower.endswith(".pdf") or kind == "application/pdf":
                rows += _pdf_rows(payload, name, reading)
            elif lower.endswith((".xls", ".doc", ".docx", ".odt", ".ods", ".rtf")):
                reading.checks.append(f"Attachment {name} was not read: open it and enter its lines by hand.")
        except Exception as exc:  # a broken attachment is reported, never fatal
            reading.checks.append(f"Attachment {name} could not be read ({type(exc).__name__}): "
                                  "open it and enter its lines by hand.")
    return rows


def _xlsx_rows(payload: bytes, name: str) -> list[Row]:
    book = openpyxl.load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
    rows: list[Row] = []
    try:
        for sheet in book.worksheets[:5]:
            cells = ((n, [_number(v) for v in values[:40]])
                     for n, values in enumerate(islice(sheet.iter_rows(values_only=True), MAX_ROWS), start=1))
            rows += table_rows(cells, f"{name} ({sheet.title})" if len(book.worksheets) > 1 else name, True)
    finally:
        book.close()
    return rows


def _pdf_rows(payload: bytes, name: str, reading: Reading) -> list[Row]:
    pdf = pypdf.PdfReader(io.BytesIO(payload))
    text = "\n".join((page.extract_text() or "") for page in pdf.pages[:MAX_PDF_PAGES])
    if not text.strip():
        reading.checks.append(f"Attachment {name} has no text (a scan?): read it by hand and enter its lines.")
        return []
    kept = [(line.strip(), False) for line in clean(text).splitlines()[:MAX_ROWS] if line.strip()]
    return [Row(r.text, f"{name}", r.cells) for r in body_rows(kept)]


# ---------------------------------------------------------------- reading a row

def tokens(text: str) -> list[str]:
    text = NOISE.sub(" ", text[:2 * MAX_LINE_CHARS])  # a cell of an attachment can be long
    return [t.rstrip(".-/#+") for t in TOKEN_RE.findall(text)][:60]


def code_like(token: str) -> bool:
    if len(token) < 3 or QTY_TOKEN.fullmatch(token) or ORDINAL.fullmatch(token):
        return False
    letters, digits = re.search(r"[A-Za-z]", token), re.search(r"\d", token)
    return bool(letters and digits) or bool(re.fullmatch(r"[A-Z]{2,}[-_][A-Z0-9_-]+", token))


def _quantity(token: str) -> int | None:
    match = QTY_TOKEN.fullmatch(token)
    return int(match.group(2).replace(",", "")) if match else None


NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "twenty": 20}


def quantities(words: list[str]) -> list[tuple[int, bool]]:
    """Numbers of the row as (value, strong): strong when marked as a quantity ("qty 4",
    "x 3", "3 x", "3x", "10 pcs", "5 boxes"). A number word counts only when so marked."""
    found = []
    for i, word in enumerate(words):
        match = QTY_TOKEN.fullmatch(word)
        spelt = NUMBER_WORDS.get(word.lower())
        if not match and not spelt:
            continue
        before = words[i - 1].lower().rstrip(":") if i else ""
        after = words[i + 1].lower() if i + 1 < len(words) else ""
        marked = before in QTY_WORDS or after in ("x", "×") or bool(UNIT_WORD.fullmatch(after))
        if spelt:
            if marked:
                found.append((spelt, True))
            continue
        found.append((int(match.group(2).replace(",", "")), bool(match.group(1) or match.group(3)) or marked))
    return found


SEGMENT = re.compile(r"[;,]\s+(?:and\s+|plus\s+|also\s+)?|\s+(?:and|plus|&)\s+", re.IGNORECASE)
ASIDE = re.compile(r"\([^()]{0,60}\)")  # "(box 100)": a description, not the quantity


def _one(text: str, known: dict[str, str]) -> tuple[list[str], list[tuple[int, bool]]]:
    """The catalogue codes of a text and its numbers (those in brackets only if no other)."""
    words = tokens(text)
    codes = list(dict.fromkeys(filter(None, (sku_of(w, known) for w in words))))
    outside = tokens(ASIDE.sub(" ", text))
    numbers = quantities([w for w in outside if not sku_of(w, known)]) \
        or quantities([w for w in words if not sku_of(w, known)])
    return codes, numbers


def _value(numbers: list[tuple[int, bool]]) -> int | None:
    strong = {v for v, s in numbers if s}
    values = strong or {v for v, _ in numbers}
    return values.pop() if len(values) == 1 else None


def read_row(row: Row, known: dict[str, str]) -> list[tuple[str, int]] | str | None:
    """The (SKU, quantity) lines of a row that could be read; a reason when it looks like an
    order line but could not be; None when it is not an order line."""
    if row.cells:
        code_words, qty = tokens(row.cells[0]), _quantity(row.cells[1].split(" ")[0]) if row.cells[1] else None
        codes = list(dict.fromkeys(filter(None, (sku_of(w, known) for w in code_words))))
        if len(codes) == 1 and qty:
            return [(codes[0], qty)]
    text = BULLET.sub("", row.text, count=1)
    codes, numbers = _one(text, known)
    if row.known_only and not codes:
        return None
    if len(codes) == 1:
        value = _value(numbers)
        if value is not None:
            return [(codes[0], value)] if value > 0 else f"quantity {value} for {codes[0]}"
        return f"no quantity for {codes[0]}" if not numbers else f"more than one number for {codes[0]}"
    if len(codes) > 1:  # "4 of SKU-1, and 2 x SKU-2": one product and one quantity per part
        parts = [_one(part, known) for part in SEGMENT.split(text)]
        read = [(c[0], _value(n)) for c, n in parts if len(c) == 1]
        if len(read) == len(codes) and all(v for _c, v in read) and all(len(c) <= 1 for c, _n in parts):
            return read
        return f"names {len(codes)} products ({', '.join(codes[:4])})"
    unknown = [w for w in tokens(text) if code_like(w)]
    if unknown and numbers and not PREAMBLE.match(row.text):
        if len(unknown) == 1 and len(numbers) == 1:
            return f"Unknown SKU {unknown[0][:40]} (quantity {numbers[0][0]})"
        return "no product code found"
    if row.always_check and not TOTAL_ROW.search(row.text):
        return "not a product code and a quantity"
    return None


def known_codes(rows: list[Row]) -> dict[str, str]:
    """Catalogue SKUs among the code-like words of all rows: one query, case-insensitive
    (SKUs are stored in capitals)."""
    words = set()
    for row in rows:
        for text in (row.text, *(row.cells or ())):
            words.update(w.upper() for w in tokens(text) if len(w) <= 40 and re.search(r"[A-Za-z]", w))
        if len(words) > MAX_CODES:
            break
    if not words:
        return {}
    words = sorted(words)[:MAX_CODES]
    squashed = sorted({squash(w) for w in words if code_like(w)})
    bare = func.replace(func.replace(func.replace(Product.sku, "-", ""), "_", ""), ".", "")
    found = db.session.execute(select(Product.sku).where(
        or_(Product.sku.in_(words), bare.in_(squashed) if squashed else false()))).scalars().all()
    # exact SKUs first; "SKU0020" finds SKU-0020 when no SKU is spelt that way
    return {f"~{squash(sku)}": sku for sku in found} | {sku.upper(): sku for sku in found}


def squash(word: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", word.upper())


def sku_of(word: str, known: dict[str, str]) -> str | None:
    return known.get(word.upper()) or (known.get(f"~{squash(word)}") if code_like(word) else None)


def read_rows(rows: list[Row], reading: Reading) -> None:
    known = known_codes(rows)
    for row in rows:
        result = read_row(row, known)
        if result is None:
            continue
        if isinstance(result, list):
            for line in result:
                if len(reading.lines) < MAX_LINES:
                    reading.lines.append(line)
                elif len(reading.lines) == MAX_LINES:
                    reading.checks.append(f"Only the first {MAX_LINES} lines were taken; read the rest by hand.")
                    reading.lines.append(("", 0))  # marks the cap as reported
            continue
        where = f"{row.where}: " if row.where else ""
        if result.startswith("Unknown SKU"):
            reading.checks.append(f"{where}{result} left for the rep: “{row.text[:120]}”")
        else:
            reading.checks.append(f"{where}{result[0].upper()}{result[1:]}: “{row.text[:120]}”")
    reading.lines = [line for line in reading.lines if line[0]]
    if len(reading.checks) > MAX_CHECKS:
        more = len(reading.checks) - MAX_CHECKS
        reading.checks = reading.checks[:MAX_CHECKS] + [f"…and {more} more lines not read: see the original email."]


def read_message(message, subject: str) -> Reading:
    """Read a parsed email.message: its order lines, the lines to check, notes."""
    reading = Reading()
    text = clean(body_text(message))
    reading.text = text[:100_000]
    kept, quoted_left = order_part(text, subject)
    if len(text.splitlines()) > MAX_SCAN_LINES or TOO_LONG in text:
        reading.checks.append("The message is too long to read in full: read the rest of the original by hand.")
    if quoted_left:
        reading.notes.append("Quoted text from earlier mail was not read as new lines.")
    rows = body_rows(kept) + attachment_rows(message, reading)
    read_rows(rows, reading)
    return reading
