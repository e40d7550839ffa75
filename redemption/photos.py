"""Item photos: accepted by their real content (PNG, JPEG, WebP), re-encoded under a random name."""

import io
import os
import re
import secrets
import warnings

from flask import current_app
from flask_babel import gettext
from PIL import Image, UnidentifiedImageError

from core.errors import ValidationFailed

FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}
MAX_PIXELS = 40_000_000  # a small file can still claim a huge canvas (decompression bomb)
NAME_PATTERN = re.compile(r"[0-9a-f]{32}\.(png|jpg|webp)")


def _refuse(message: str):
    raise ValidationFailed({"photo": message})


def _read_limited(upload, limit: int) -> bytes:
    stream = getattr(upload, "stream", upload)
    data = stream.read(limit + 1)
    if not isinstance(data, bytes):
        _refuse(gettext("Choose a PNG, JPEG or WebP picture."))
    if len(data) > limit:
        _refuse(gettext("The picture is larger than %(mb)s MB.", mb=round(limit / 1024 / 1024, 1)))
    if not data:
        _refuse(gettext("The file is empty."))
    return data


def save_photo(upload) -> str:
    """Check an uploaded picture (a FileStorage or file object) and store a clean copy; the file name.

    The name and type the browser claims are ignored: the bytes must open as PNG, JPEG or WebP
    and pass Pillow's verify(). Re-encoding drops metadata and anything appended to the image.
    """
    data = _read_limited(upload, current_app.config["PHOTO_MAX_BYTES"])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                if fmt not in FORMATS:
                    _refuse(gettext("Choose a PNG, JPEG or WebP picture."))
                if probe.width * probe.height > MAX_PIXELS:
                    _refuse(gettext("The picture has too many pixels."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                clean = _normalise(image, fmt)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError, EOFError):
        _refuse(gettext("Choose a PNG, JPEG or WebP picture."))
    name = secrets.token_hex(16) + FORMATS[fmt]
    folder = current_app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    temp = path + ".part"
    with open(temp, "wb") as out:
        clean.save(out, format=fmt, **({"quality": 88} if fmt in ("JPEG", "WEBP") else {}))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
    return name


def _normalise(image: Image.Image, fmt: str) -> Image.Image:
    """A copy in a mode the format can store (JPEG has no alpha or palette)."""
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    if fmt in ("PNG", "WEBP") and image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        return image.convert("RGBA")
    return image.copy()


def photo_path(name: str) -> str | None:
    """The stored file for a name save_photo returned; None for anything else (no path tricks)."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        return None
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], name)
    return path if os.path.isfile(path) else None
