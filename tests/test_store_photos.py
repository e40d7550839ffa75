"""Item photos are accepted by their real content and stored under a random name."""

import io
import os

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from core.errors import ValidationFailed
from redemption.photos import photo_path, save_photo


def picture(fmt: str, size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt, ext", [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_real_pictures_are_saved_under_a_random_name(app, tmp_path, fmt, ext):
    tmp_path = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with app.test_request_context():
        name = save_photo(FileStorage(io.BytesIO(picture(fmt)), filename="../../evil.exe"))
        assert name.endswith(ext) and "/" not in name
        assert photo_path(name) == os.path.join(str(tmp_path), name)
        with Image.open(photo_path(name)) as stored:
            assert stored.format == fmt
        assert photo_path("../config.py") is None


@pytest.mark.parametrize("data", [b"", b"GIF89a" + b"\x00" * 40, b"<?php echo 1; ?>", b"\x89PNG\r\n\x1a\n" + b"junk"])
def test_other_content_is_refused(app, tmp_path, data):
    tmp_path = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        save_photo(FileStorage(io.BytesIO(data), filename="x.png"))
    assert "photo" in refused.value.fields
    assert not tmp_path.exists() or os.listdir(tmp_path) == []


def test_a_picture_over_the_size_limit_is_refused(app, tmp_path):
    app.config.update(UPLOAD_FOLDER=str(tmp_path / "uploads"), PHOTO_MAX_BYTES=100)
    with app.test_request_context(), pytest.raises(ValidationFailed):
        save_photo(FileStorage(io.BytesIO(picture("PNG", (64, 64)) + b"\x00" * 200), filename="x.png"))
