"""core/images.process_upload: the one door for every uploaded image."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from core.images import DISPLAY_SIZE, MAX_BYTES, THUMBNAIL_SIZE, process_upload

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


def test_an_image_of_exactly_40_megapixels_passes_the_size_check():
    # Refused later for its broken pixel data, not for its size.
    with pytest.raises(ValidationError) as excinfo:
        process_upload(upload(png_declaring(8000, 5000)))
    assert "megapixels" not in " ".join(excinfo.value.messages)


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
