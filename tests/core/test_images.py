"""core/images.process_upload: the one door for every uploaded image."""

import base64
import io
import json
import os
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, ImageDraw

from core.images import (
    DISPLAY_SIZE,
    MAX_BYTES,
    MAX_PIXELS,
    MAX_WHOLE_PIXELS,
    THUMBNAIL_SIZE,
    process_upload,
)
from stories.models import StoryImage
from tests.stories.conftest import make_story

GPS_IFD = 0x8825  # ExifTags.IFD.GPSInfo


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` by `height` pixels: the shape of a bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )


def flat_png(width: int, height: int) -> bytes:
    """A real RGB PNG, white with a red band: megapixels of pixels in a few hundred kilobytes.
    Written a row at a time, so the test never holds the pixels either."""
    white = b"\0" + b"\xff" * (3 * width)
    red = b"\0" + b"\xff\0\0" * width
    deflate = zlib.compressobj(9)
    idat = b"".join(deflate.compress(red if row % 1000 < 10 else white) for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat + deflate.flush())
        + _png_chunk(b"IEND", b"")
    )


def jpeg_declaring(jpeg: bytes, width: int, height: int) -> bytes:
    """`jpeg` with its frame header claiming `width` by `height` pixels (the data stays small)."""
    at = re.search(rb"\xff[\xc0\xc1\xc2]", jpeg).start()
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]


# A 16×16 teal JPEG written with one scan per colour component (`jpegtran -scans`; Pillow
# cannot write one). libjpeg must then keep every coefficient of the picture until the last
# scan, as for a progressive JPEG.
ONE_SCAN_PER_COMPONENT_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABADAREAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAA"
    "AAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAA/AJgD/8QAFQEBAQAAAAAAAAAAAAAAAAAAAAT/xAAUEQEA"
    "AAAAAAAAAAAAAAAAAAAA/9oACAECEQA/AKgH/8QAFQEBAQAAAAAAAAAAAAAAAAAAAAX/xAAUEQEAAAAAAAAAAAAA"
    "AAAAAAAA/9oACAEDEQA/AIID/9k="
)


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Plaudit Test Camera"
    exif[GPS_IFD] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.34),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    return exif


def open_output(content) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def assert_rejected(data: bytes, *words: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        process_upload(upload(data))
    message = " ".join(excinfo.value.messages)
    for word in words:
        assert word in message, message
    assert excinfo.value.code == "invalid_image"


# --- what is refused -------------------------------------------------------------------------


def test_a_text_file_is_refused_with_a_plain_message():
    assert_rejected(b"Dear HR, here is my photo.\n" * 10, "not an image", "JPEG, PNG or WebP")


def test_a_pdf_is_refused():
    assert_rejected(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "JPEG")


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_only_jpeg_png_and_webp_are_accepted(fmt):
    assert_rejected(encode(Image.new("RGB", (40, 30), "teal"), fmt), "JPEG, PNG or WebP")


def test_an_empty_file_is_refused():
    assert_rejected(b"", "empty")


def test_a_png_bomb_declaring_huge_dimensions_is_refused():
    bomb = png_declaring(100_000, 100_000)
    assert len(bomb) < 200
    assert_rejected(bomb, "too large")


def test_an_image_just_over_40_megapixels_is_refused():
    assert_rejected(png_declaring(8000, 5001), "40 megapixels")


def test_a_jpeg_of_exactly_40_megapixels_passes_the_size_check():
    small = encode(Image.new("RGB", (64, 40), "navy"), "JPEG")
    # libjpeg decodes what data there is, at a quarter of the size (the draft), and fills in.
    processed = process_upload(upload(jpeg_declaring(small, 8000, 5000)))
    assert (processed.width, processed.height) == (1600, 1000)


@pytest.mark.parametrize(
    ("fmt", "words"),
    [
        ("PNG", "A PNG image can have at most 9 megapixels"),
        ("WEBP", "A WebP image can have at most 5 megapixels"),
    ],
)
def test_a_png_or_webp_over_its_limit_is_refused_naming_the_limit(fmt, words):
    # Decoded whole, a PNG or WebP has a lower limit than a JPEG (the memory budget).
    limit = MAX_WHOLE_PIXELS[fmt]
    side = int(limit**0.5) + 1
    assert_rejected(encode(Image.new("RGB", (side, side), "white"), fmt), words, "JPEG")


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_png_or_webp_at_its_limit_is_accepted(fmt):
    side = int(MAX_WHOLE_PIXELS[fmt] ** 0.5)
    processed = process_upload(upload(encode(Image.new("RGB", (side, side), "white"), fmt)))
    assert (processed.width, processed.height) == DISPLAY_SIZE


def test_a_progressive_jpeg_over_its_limit_is_refused_naming_the_limit():
    small = encode(Image.new("RGB", (64, 48), "navy"), "JPEG", progressive=True)
    assert_rejected(
        jpeg_declaring(small, 4000, 3000), "progressive JPEG", "8 megapixels", "standard JPEG"
    )


def test_a_jpeg_with_one_scan_per_colour_is_held_to_the_progressive_limit():
    assert_rejected(
        jpeg_declaring(ONE_SCAN_PER_COMPONENT_JPEG, 4000, 3000), "progressive JPEG", "8 megapixels"
    )
    display = open_output(process_upload(upload(ONE_SCAN_PER_COMPONENT_JPEG)).display)
    assert display.size == (16, 16)  # small ones are decoded as before


def test_a_standard_jpeg_of_that_size_is_decoded_reduced_instead():
    small = encode(Image.new("RGB", (64, 48), "navy"), "JPEG")
    processed = process_upload(upload(jpeg_declaring(small, 4000, 3000)))
    assert (processed.width, processed.height) == (1600, 1200)


def test_a_png_whose_text_chunk_inflates_to_megabytes_is_refused():
    png = encode(Image.new("RGB", (20, 10), "blue"), "PNG")
    after_ihdr = 8 + 8 + 13 + 4
    # Pillow refuses text chunks that inflate beyond 1 MB; 32 MB is plenty to prove it.
    ztxt = _png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * (32 * 1024 * 1024), 9))
    assert_rejected(png[:after_ihdr] + ztxt + png[after_ihdr:], "too large")


def test_a_file_over_10_mb_is_refused():
    assert_rejected(b"\xff\xd8\xff" + b"\0" * MAX_BYTES, "10 MB")


def test_a_file_over_10_mb_is_refused_even_without_a_declared_size():
    stream = io.BytesIO(b"\0" * (MAX_BYTES + 1))
    assert not hasattr(stream, "size")
    with pytest.raises(ValidationError, match="10 MB"):
        process_upload(stream)


def test_a_truncated_jpeg_is_refused():
    whole = encode(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG", quality=90)
    assert_rejected(whole[: len(whole) // 2], "incomplete or damaged")


def test_a_truncated_png_is_refused():
    whole = encode(Image.effect_noise((300, 300), 60), "PNG")
    assert_rejected(whole[: len(whole) // 2], "incomplete or damaged")


# --- what comes out --------------------------------------------------------------------------


def test_gps_and_every_other_exif_tag_are_gone_from_both_outputs():
    source = encode(Image.new("RGB", (640, 480), "orange"), "JPEG", exif=gps_exif())
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(GPS_IFD)  # the input has GPS

    processed = process_upload(upload(source))

    for output in (processed.display, processed.thumbnail):
        output.seek(0)
        raw = output.read()
        assert b"Exif" not in raw
        assert b"Plaudit Test Camera" not in raw
        image = open_output(output)
        assert image.format == "WEBP"
        assert "exif" not in image.info
        assert len(image.getexif()) == 0


def test_orientation_is_applied_before_the_exif_is_dropped():
    # A camera held upright stores landscape pixels plus Orientation=6 ("rotate 90° CW").
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    landscape_pixels = Image.new("RGB", (400, 200), "white")
    landscape_pixels.paste((255, 0, 0), (0, 0, 40, 200))  # a red stripe on the left edge

    processed = process_upload(upload(encode(landscape_pixels, "JPEG", exif=exif)))

    display = open_output(processed.display).convert("RGB")
    assert display.size == (200, 400)  # portrait, as the person saw it
    assert (processed.width, processed.height) == (200, 400)
    red, green, blue = display.getpixel((100, 10))  # left edge rotated clockwise → top
    assert red > 200 and green < 60 and blue < 60
    assert len(display.getexif()) == 0


def test_outputs_are_webp_within_the_display_and_thumbnail_bounds():
    processed = process_upload(upload(encode(Image.new("RGB", (4000, 2500), "navy"), "JPEG")))

    display = open_output(processed.display)
    thumbnail = open_output(processed.thumbnail)
    assert (display.format, thumbnail.format) == ("WEBP", "WEBP")
    assert display.size == (DISPLAY_SIZE[0], 1000)  # aspect ratio kept
    assert (processed.width, processed.height) == display.size
    assert max(thumbnail.size) == max(THUMBNAIL_SIZE)
    assert processed.display.name.endswith(".webp")
    assert processed.thumbnail.name.endswith("-thumb.webp")


def test_small_images_are_not_enlarged():
    processed = process_upload(upload(encode(Image.new("RGB", (120, 90), "gold"), "PNG")))
    assert open_output(processed.display).size == (120, 90)


def test_square_crops_to_a_centred_square_for_avatars():
    processed = process_upload(
        upload(encode(Image.new("RGB", (900, 600), "plum"), "JPEG")), square=True
    )
    assert open_output(processed.display).size == (600, 600)
    assert open_output(processed.thumbnail).size == THUMBNAIL_SIZE


def test_a_transparent_png_keeps_its_transparency():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (25, 25, 75, 75))

    display = open_output(process_upload(upload(encode(image, "PNG"))).display)

    assert display.mode == "RGBA"
    assert display.getpixel((5, 5))[3] == 0
    assert display.getpixel((50, 50))[3] == 255


@pytest.mark.parametrize("transparent", [False, True])
def test_a_palette_png_is_accepted(transparent):
    image = Image.new("P", (64, 48), 0)
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] * 64)
    image.paste(1, (16, 12, 48, 36))  # a red square on a background of colour 0
    params = {"transparency": 0} if transparent else {}

    display = open_output(process_upload(upload(encode(image, "PNG", **params))).display)

    assert display.size == (64, 48)
    red, green, blue, _ = display.convert("RGBA").getpixel((32, 24))
    assert red > 240 and green < 16 and blue < 16  # lossy WebP: close to pure red
    assert display.convert("RGBA").getpixel((2, 2))[3] == (0 if transparent else 255)


@pytest.mark.parametrize("mode", ["L", "LA", "1", "I;16"])
def test_greyscale_and_deep_pngs_are_accepted(mode):
    display = open_output(process_upload(upload(encode(Image.new(mode, (30, 20)), "PNG"))).display)
    assert display.size == (30, 20)


def test_a_cmyk_jpeg_is_accepted():
    display = open_output(
        process_upload(upload(encode(Image.new("CMYK", (30, 20)), "JPEG"))).display
    )
    assert display.mode == "RGB"


def test_a_webp_upload_is_accepted():
    data = encode(Image.new("RGB", (50, 50), "pink"), "WEBP", exif=gps_exif())
    processed = process_upload(upload(data, "photo.webp"))
    assert len(open_output(processed.display).getexif()) == 0


def test_a_multi_picture_jpeg_from_a_phone_is_accepted():
    first, second = Image.new("RGB", (100, 80), "red"), Image.new("RGB", (100, 80), "green")
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    display = open_output(process_upload(upload(data)).display)

    assert display.size == (100, 80)
    assert display.convert("RGB").getpixel((50, 40))[0] > 200  # the first picture


def test_the_upload_can_be_read_from_any_position():
    data = encode(Image.new("RGB", (30, 30), "lime"), "PNG")
    file = upload(data, "a.png")
    file.read()  # a validator upstream may have read it already
    assert open_output(process_upload(file).display).size == (30, 30)


def test_orientation_is_applied_to_a_photo_large_enough_to_be_shrunk():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored landscape, seen portrait
    landscape_pixels = Image.new("RGB", (4000, 2000), "white")
    landscape_pixels.paste((255, 0, 0), (0, 0, 400, 2000))  # red along the left edge

    processed = process_upload(upload(encode(landscape_pixels, "JPEG", exif=exif)))

    display = open_output(processed.display).convert("RGB")
    assert display.size == (800, 1600)
    red, green, blue = display.getpixel((400, 40))  # the left edge turned clockwise → top
    assert red > 200 and green < 60 and blue < 60


def test_an_avatar_from_a_large_photo_is_a_centred_square():
    photo = Image.new("RGB", (6000, 4000), "white")
    photo.paste((0, 0, 255), (2500, 1500, 3500, 2500))  # a blue square in the middle

    processed = process_upload(upload(encode(photo, "JPEG")), square=True)

    display = open_output(processed.display).convert("RGB")
    assert display.size[0] == display.size[1] >= DISPLAY_SIZE[0] * 3 // 4
    red, _, blue = display.getpixel((display.width // 2, display.height // 2))
    assert blue > 200 and red < 60


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_an_animated_image_keeps_its_first_frame_only(fmt):
    frames = [Image.new("RGB", (200, 100), (255, 0, 0))]
    frames += [Image.new("RGB", (200, 100), (0, 0, 100 + n)) for n in range(99)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=40)
    assert Image.open(io.BytesIO(data)).is_animated

    display = open_output(process_upload(upload(data, f"a.{fmt.lower()}")).display)

    assert getattr(display, "n_frames", 1) == 1
    red, _, blue = display.convert("RGB").getpixel((100, 50))
    assert red > 200 and blue < 60


# --- the memory budget -----------------------------------------------------------------------

# A worker (a fresh process with Django set up) processes one file; it reports its resting
# peak memory, its peak after the upload, and what process_upload said. The peak resident
# size is the honest figure: Pillow and its codecs allocate outside Python's tracemalloc.
# (VmHWM, not ru_maxrss: Linux carries the parent's peak across exec into ru_maxrss.)
MEASURE = """
import io, json, re, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from PIL import Image
from core.images import process_upload

def peak_mb():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) / 1024

small = io.BytesIO()
Image.new("RGB", (64, 64), "teal").save(small, format="PNG")
process_upload(small)  # a worker that has served one upload: every codec loaded
with open(sys.argv[1], "rb") as file:
    upload = io.BytesIO(file.read())
resting = peak_mb()
try:
    process_upload(upload, square=sys.argv[2] == "square")
    outcome = "accepted"
except ValidationError as error:
    outcome = " ".join(error.messages)
print(json.dumps({"resting": resting, "peak": peak_mb(), "outcome": outcome}))
"""
# What decoding and re-encoding one accepted upload may add to a worker's peak memory:
# re-encoding a 1600-pixel photo alone takes about 70 MB (docs/decisions.md).
DECODING_BUDGET_MB = 128


def measured(tmp_path: Path, data: bytes, *, square: bool = False) -> dict:
    path = tmp_path / "upload"
    path.write_bytes(data)
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings", "PLAUDIT_TESTING": "1"}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), "square" if square else "display"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_6324_pixel_png_from_the_probe_is_refused_within_150_mb(tmp_path):
    data = flat_png(6324, 6324)
    assert len(data) < 200_000  # a small file…

    worker = measured(tmp_path, data)

    assert "A PNG image can have at most 9 megapixels" in worker["outcome"]
    assert worker["peak"] < 150  # …that once took the worker past 600 MB
    assert worker["peak"] - worker["resting"] < 10  # refused from its header, never decoded


def worst_png() -> bytes:
    """At the PNG limit, in the dearest mode: a palette with transparency becomes RGBA."""
    side = int(MAX_WHOLE_PIXELS["PNG"] ** 0.5)
    image = Image.new("P", (side, side), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] * 128)
    ImageDraw.Draw(image).rectangle((10, 10, side // 3, side // 3), fill=1)
    return encode(image, "PNG", transparency=0)


def worst_webp() -> bytes:
    """At the WebP limit, lossless with transparency: libwebp holds two canvases of its own."""
    side = int(MAX_WHOLE_PIXELS["WEBP"] ** 0.5)
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((10, 10, side // 3, side // 3), fill=(200, 0, 0, 255))
    return encode(image, "WEBP", lossless=True)


def worst_progressive_jpeg() -> bytes:
    """At the progressive limit, CMYK without subsampling: eight bytes of coefficients a pixel."""
    side = int(MAX_WHOLE_PIXELS["JPEG"] ** 0.5)
    image = Image.new("CMYK", (side, side))
    ImageDraw.Draw(image).rectangle((10, 10, side // 3, side // 3), fill=(200, 0, 0, 0))
    return encode(image, "JPEG", progressive=True, subsampling=0)


def largest_jpeg() -> bytes:
    """40 megapixels, CMYK, and square: the draft can only halve it (to fill the display)."""
    side = int(MAX_PIXELS**0.5)
    image = Image.new("CMYK", (side, side))
    ImageDraw.Draw(image).rectangle((10, 10, 2000, 2000), fill=(200, 0, 0, 0))
    return encode(image, "JPEG")


@pytest.mark.parametrize(
    "make", [worst_png, worst_webp, worst_progressive_jpeg, largest_jpeg], ids=lambda m: m.__name__
)
def test_the_dearest_upload_of_each_kind_is_accepted_within_the_budget(tmp_path, make):
    # As an avatar: the square display is the largest there is.
    worker = measured(tmp_path, make(), square=True)

    assert worker["outcome"] == "accepted"
    assert worker["peak"] - worker["resting"] < DECODING_BUDGET_MB, worker


@pytest.mark.parametrize(
    ("fmt", "params", "words"),
    [
        ("WEBP", {"lossless": True}, "5 megapixels"),
        ("JPEG", {"progressive": True}, "progressive JPEG"),
    ],
)
def test_a_40_megapixel_file_decoded_whole_is_refused_before_decoding(tmp_path, fmt, params, words):
    data = encode(Image.new("RGB", (8000, 5000), "white"), fmt, **params)

    worker = measured(tmp_path, data)

    assert words in worker["outcome"]
    assert worker["peak"] - worker["resting"] < 10


# --- the callers -----------------------------------------------------------------------------


def with_peak_rise[T](call: Callable[[], T]) -> tuple[T, float]:
    """What `call` returns, and how many MB this process's peak memory rose above its resident
    size meanwhile (Linux: writing 5 to clear_refs resets the peak)."""
    Path("/proc/self/clear_refs").write_text("5")
    resident = int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
    result = call()
    peak = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))
    return result, (peak - resident) / 1024


@pytest.mark.django_db
def test_the_story_photo_api_answers_400_naming_the_limit_without_decoding(api):
    story = make_story()
    photo = SimpleUploadedFile("probe.png", flat_png(6324, 6324), content_type="image/png")
    client, url = api(story.author), reverse("api-story-images", args=[story.pk])

    response, rise = with_peak_rise(lambda: client.post(url, {"image": photo}, format="multipart"))

    assert response.status_code == 400
    assert response.json() == {
        "image": [
            "A PNG image can have at most 9 megapixels. Please resize it, or save it as a JPEG."
        ]
    }
    assert not StoryImage.objects.exists()
    assert rise < 20


@pytest.mark.django_db
def test_the_avatar_form_shows_the_limit_next_to_the_photo_field(login, employee):
    photo = SimpleUploadedFile("me.png", flat_png(6324, 6324), content_type="image/png")

    response = login(employee).post(
        reverse("accounts:edit_profile"),
        {
            "full_name": "Emma Employee",
            "preferred_name": "",
            "job_title": "",
            "avatar_upload": photo,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "avatar_upload": [
            "A PNG image can have at most 9 megapixels. Please resize it, or save it as a JPEG."
        ]
    }
    assert 'id="id_avatar_upload_error"' in response.content.decode()
    employee.refresh_from_db()
    assert not employee.avatar
