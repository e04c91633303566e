"""Reading a CSV file as people save it: UTF-8 (with or without the BOM Excel adds), a header
row naming exactly the expected columns in any order, records that may span lines inside
quotes. Every problem is a `Problem(line, column, message)`, where `line` is the file line
the record starts on (1 = the header)."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from charset_normalizer import from_bytes

from app.spreadsheet import unsafe_cell

ENCODING_NAMES = {"cp1252": "Windows-1252", "cp1250": "Windows-1250", "latin_1": "ISO-8859-1 (Latin-1)",
                  "iso8859_15": "ISO-8859-15", "mac_roman": "Mac Roman", "utf_16": "UTF-16",
                  "utf_16_le": "UTF-16", "utf_16_be": "UTF-16", "cp437": "DOS (code page 437)",
                  "cp850": "DOS (code page 850)"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MONEY = re.compile(r"\d{1,10}(\.\d{1,2})?")
RATE = re.compile(r"\d{1,3}(\.\d{1,2})?")
WHOLE = re.compile(r"\d{1,9}")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the file: the line its record starts on, the column, what is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column or 'row'}: {self.message}"


class BadCell(ValueError):
    """A cell that cannot be read; the message is for the person who made the file."""


class BadFile(ValueError):
    """The whole file cannot be read (its problems say why)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class Record:
    line: int
    cells: dict[str, str]


def decode(data: bytes) -> str:
    """The file's text; a file that is not UTF-8 is refused saying what it looks like."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadFile([Problem(1, "", _not_utf8("UTF-16"))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BadFile([Problem(line, "", _not_utf8(_guess_encoding(data)))]) from exc


def _guess_encoding(data: bytes) -> str | None:
    found = [match.encoding for match in from_bytes(data[:200_000])]
    # a UK business's spreadsheet is most likely Excel's Windows-1252 when that fits at all
    name = "cp1252" if "cp1252" in found else (found[0] if found else None)
    return ENCODING_NAMES.get(name, name.replace("_", "-").upper()) if name else None


def _not_utf8(looks_like: str | None) -> str:
    what = f"looks like {looks_like}" if looks_like else "is in an unknown encoding"
    return (f"the file is not UTF-8 (it {what}): in your spreadsheet choose "
            "Save As → “CSV UTF-8 (comma delimited)” and upload that file")


def read_records(data: bytes, columns: tuple[str, ...]) -> list[Record]:
    """The file's records as {column: text}, each with its starting line; BadFile when the
    encoding or the header is wrong. A record with too few or too many cells is a BadFile
    problem too, listed with every other one."""
    reader = csv.reader(io.StringIO(decode(data), newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise BadFile([Problem(1, "", f"the header cannot be read: {exc}")]) from exc
    names = _check_header(header, columns)
    records, problems, line = [], [], 2
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) != len(names):
                    problems.append(Problem(line, "", f"{len(row)} cells where the header has {len(names)} "
                                                      "(a stray comma, or an extra column?)"))
                else:
                    records.append(Record(line, dict(zip(names, row, strict=True))))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(line, "", f"cannot be read: {exc} (an unclosed quote?)"))
    if problems:
        raise BadFile(problems)
    return records


def _check_header(header: list[str] | None, columns: tuple[str, ...]) -> list[str]:
    if not header or not any(h.strip() for h in header):
        raise BadFile([Problem(1, "", "the file is empty: the first line must name the columns: "
                                      + ",".join(columns))])
    names = [h.strip().lower() for h in header]
    problems = [Problem(1, n, "this column is named twice") for n in sorted({n for n in names if names.count(n) > 1})]
    problems += [Problem(1, n or "(empty)", "unknown column; the columns are " + ",".join(columns))
                 for n in names if n not in columns]
    problems += [Problem(1, c, "missing column") for c in columns if c not in names]
    if problems:
        raise BadFile(problems)
    return names


# --- cells ------------------------------------------------------------------------------------

def text(value: str, limit: int, *, required: bool = False, lines: bool = False) -> str:
    """Trimmed text of at most `limit` characters (several lines only where `lines`)."""
    value = unsafe_cell(value.strip())
    if lines:
        value = "\n".join(part.strip() for part in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    elif "\n" in value or "\r" in value:
        raise BadCell("must be on one line")
    if CONTROL.search(value):
        raise BadCell("contains control characters")
    if required and not value:
        raise BadCell("must not be empty")
    if len(value) > limit:
        raise BadCell(f"is {len(value)} characters long; at most {limit}")
    return value


def money(value: str, *, required: bool = True) -> Decimal | None:
    """An amount like 12.50 (a dot, at most two decimals, not negative)."""
    value = value.strip()
    if not value and not required:
        return None
    if not MONEY.fullmatch(value):
        raise BadCell(f"“{value}” is not an amount like 12.50 (digits, a dot, at most two decimals)")
    return Decimal(value).quantize(Decimal("0.01"))


def rate(value: str) -> Decimal:
    """A percentage like 20 or 5 or 17.5, from 0 to 100."""
    value = value.strip()
    if not RATE.fullmatch(value) or Decimal(value) > 100:
        raise BadCell(f"“{value}” is not a rate from 0 to 100 like 20 (for 20 %)")
    return Decimal(value).quantize(Decimal("0.01"))


def whole(value: str, *, default: int | None = None, minimum: int = 0) -> int:
    """A whole number of at least `minimum`; `default` when empty (if there is one)."""
    value = value.strip()
    if not value and default is not None:
        return default
    if not WHOLE.fullmatch(value) or int(value) < minimum:
        raise BadCell(f"“{value}” is not a whole number of at least {minimum}")
    return int(value)


def day(value: str) -> date | None:
    """An ISO date (2026-12-31), or None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        if ISO_DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadCell(f"“{value}” is not a date like 2026-12-31")


def yes_no(value: str) -> bool:
    answer = value.strip().lower()
    if answer not in ("yes", "no"):
        raise BadCell(f"“{value}” must be yes or no")
    return answer == "yes"


def money_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def rate_text(value: Decimal) -> str:
    """20.00 → 20, 17.50 → 17.5 (as the file says it)."""
    return format(value.normalize(), "f")
