"""What an uploaded file is, decided from its bytes (never its name or the browser's word),
and its name made safe to show and to send back."""

import re
import unicodedata
import warnings
from io import BytesIO

from PIL import Image

# content type: (what people call it, the file name endings that fit it; the first is added if none fits)
ACCEPTED = {
    "application/pdf": ("PDF", (".pdf",)),
    "image/png": ("PNG image", (".png",)),
    "image/jpeg": ("JPEG image", (".jpg", ".jpeg")),
    "image/webp": ("WebP image", (".webp",)),
    "image/gif": ("GIF image", (".gif",)),
}
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
NAME_LIMIT = 120
_UNSAFE = re.compile(r"[^\w .()+,-]")  # \w is Unicode letters and digits (and _)


def detect_type(content: bytes) -> str | None:
    """The content type of `content` if it is a PDF or an image we accept, else None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return _image_type(content)


def _image_type(content: bytes) -> str | None:
    """Pillow reads the header and checks the image's structure (a decompression bomb fails)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(content), formats=list(IMAGE_FORMATS)) as image:
                found = image.format
                image.verify()
    except Exception:  # noqa: BLE001  whatever Pillow cannot read is not an image we accept
        return None
    return IMAGE_FORMATS.get(found)


def safe_filename(name: str, content_type: str) -> str:
    """The uploaded name without folders, control or markup characters, ending in an extension
    that fits its real type (`drawing.exe` that is a PNG becomes `drawing.exe.png`)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", re.sub(r"_{2,}", "_", name)).strip(" ._")
    endings = ACCEPTED[content_type][1]
    stem = name if name.lower().endswith(endings) else f"{name}{endings[0]}" if name else f"attachment{endings[0]}"
    return _shortened(stem, NAME_LIMIT)


def _shortened(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    stem, dot, ending = name.rpartition(".")
    return stem[: limit - len(ending) - 1].rstrip(" ._") + dot + ending


def kind_label(content_type: str) -> str:
    return ACCEPTED.get(content_type, (content_type, ()))[0]


def human_size(size: int) -> str:
    """1 KB = 1024 bytes, one decimal place above a megabyte: 880 bytes, 14 KB, 2.4 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
