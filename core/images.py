"""The one door for every uploaded image (avatars, story photos, evidence).

Accepts JPEG, PNG and WebP only, at most 10 MB and 40 megapixels (fewer for what must be
decoded whole: below); refuses decompression bombs and truncated files; applies the EXIF
orientation and then drops every metadata block (GPS included) by re-encoding the pixels alone
as WebP, at a display size and a thumbnail.

The memory budget: decoding one upload may take about as much memory as re-encoding the
display image already does, whatever the file. Pillow holds four bytes a pixel. A JPEG written
in one sequential scan is decoded already reduced towards the display size (`Image.draft`), a
few rows at a time, so it may have 40 megapixels. Everything else is decoded whole first: a PNG,
a WebP (libwebp adds two canvases of its own), a progressive or multi-scan JPEG (libjpeg keeps
every coefficient of the full-size picture until the last scan). Those have lower limits, read
from the header before a single pixel is decoded. docs/decisions.md has the measurements.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # any upload, as its header declares
# The lower limits of what is decoded whole ("JPEG": a progressive or multi-scan one).
MAX_WHOLE_PIXELS = {"PNG": 9_000_000, "WEBP": 5_000_000, "JPEG": 8_000_000}
TOO_MANY_PIXELS = {
    "PNG": _(
        "A PNG image can have at most %(limit)d megapixels. Please resize it, or save it as a JPEG."
    ),
    "WEBP": _(
        "A WebP image can have at most %(limit)d megapixels. "
        "Please resize it, or save it as a JPEG."
    ),
    "JPEG": _(
        "A progressive JPEG can have at most %(limit)d megapixels. "
        "Please resize it, or save it as a standard JPEG."
    ),
}
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# Phones and cameras save multi-picture JPEGs; Pillow calls them MPO. We keep the first picture.
DECODED_FORMATS = {*ALLOWED_FORMATS, "MPO"}
JPEG_FORMATS = ("JPEG", "MPO")
# JPEG start-of-frame markers, and those libjpeg decodes row by row: sequential, Huffman or
# arithmetic coded (the others are progressive, lossless or hierarchical).
START_OF_FRAME = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}
SEQUENTIAL_FRAMES = {0xC0, 0xC1, 0xC9}
START_OF_SCAN = 0xDA
# Modes Pillow resamples well as they are; palette, 1-bit and 16-bit pixels become RGB(A) first.
RESAMPLED_AS_IS = ("RGB", "RGBA", "L", "LA", "CMYK")
DISPLAY_SIZE = (1600, 1600)
THUMBNAIL_SIZE = (320, 320)
WEBP_QUALITY = 82


@dataclass(frozen=True)
class ProcessedImage:
    display: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _reject(message: str, **params: int) -> ValidationError:
    return ValidationError(message, code="invalid_image", params=params or None)


def _encode(image: Image.Image, size: tuple[int, int], name: str) -> tuple[ContentFile, int, int]:
    """The pixels alone, fitted within `size`, as WebP; with the fitted width and height."""
    copy = image.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    copy.info.clear()  # belt and braces: nothing from the upload's metadata travels on
    out = io.BytesIO()
    # Saving without exif=/icc_profile= writes the pixels alone: no EXIF, no GPS, no XMP.
    copy.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return ContentFile(out.getvalue(), name=name), copy.width, copy.height


def _read_bytes(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _reject(_("This image is larger than 10 MB. Please choose a smaller file."))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _reject(_("This image is larger than 10 MB. Please choose a smaller file."))
    if not data:
        raise _reject(_("The file is empty."))
    return data


def _jpeg_streams(data: bytes) -> bool:
    """Whether libjpeg can decode this JPEG a few rows at a time, at a reduced scale.

    Only when its frame is sequential and its first scan carries every colour component. Reads
    the marker segments up to that first scan; anything unexpected counts as "no".
    """
    components = None
    at = 2  # after the start-of-image marker
    while at + 4 < len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # a fill byte before a marker
            at += 1
            continue
        if marker in START_OF_FRAME:
            if marker not in SEQUENTIAL_FRAMES or at + 9 >= len(data):
                return False
            components = data[at + 9]
        elif marker == START_OF_SCAN:
            return components is not None and data[at + 4] == components
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return False


def _check_size(probe: Image.Image, data: bytes) -> None:
    """Refuse, from the header alone, what would take too much memory to decode."""
    if probe.format not in DECODED_FORMATS:
        raise _reject(_("Please upload a JPEG, PNG or WebP image."))
    pixels = probe.width * probe.height
    if pixels > MAX_PIXELS:
        raise _reject(
            _("This image has more than %(limit)d megapixels. Please resize it."),
            limit=MAX_PIXELS // 1_000_000,
        )
    kind = "JPEG" if probe.format in JPEG_FORMATS else probe.format
    if kind == "JPEG" and _jpeg_streams(data):
        return
    if pixels > MAX_WHOLE_PIXELS[kind]:
        raise _reject(TOO_MANY_PIXELS[kind], limit=MAX_WHOLE_PIXELS[kind] // 1_000_000)


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """`size` scaled down to fit within `box`, keeping its aspect ratio."""
    scale = min(box[0] / size[0], box[1] / size[1], 1)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _display_pixels(image: Image.Image, *, square: bool) -> Image.Image:
    """The decoded upload at display size, upright, in RGB(A); a centred square if asked."""
    if image.mode not in RESAMPLED_AS_IS or "transparency" in image.info:
        image = _normalise_mode(image)
    if square:
        side = min(*image.size, DISPLAY_SIZE[0])
        image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    else:
        image.thumbnail(DISPLAY_SIZE, Image.Resampling.LANCZOS)  # in place: the full size goes
    # Turned upright only now, on few pixels (fitting and centring do not care); the EXIF has
    # travelled with them. A copy, as the file's own image is closed once decoded.
    return _normalise_mode(ImageOps.exif_transpose(image))


def process_upload(upload, *, square: bool = False) -> ProcessedImage:
    """Validate and re-encode an uploaded image. Raises ValidationError with a plain message.

    `square` crops to a centred square (avatars).
    """
    data = _read_bytes(upload)
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice it; we refuse on our own limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our three parsers ever see the bytes (Pillow's advice for untrusted input).
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                _check_size(probe, data)
                probe.verify()
            # verify() leaves the image unusable: open again to decode the pixels.
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as image:
                # A JPEG decodes at 1/2, 1/4 or 1/8 scale while still covering the display
                # size; PNG and WebP have no such draft.
                image.draft(None, _fitted(image.size, DISPLAY_SIZE))
                image.load()  # the first frame only, of an animated image
                image = _display_pixels(image, square=square)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject(_("This image is too large to process safely.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        message = _("This file is not an image we can read (JPEG, PNG or WebP).")
        if "decompressed data too large" in str(exc).lower():
            # A small PNG text or colour-profile chunk that inflates to hundreds of megabytes.
            message = _("This image is too large to process safely.")
        elif "truncated" in str(exc).lower():
            message = _("This image file is incomplete or damaged. Please upload it again.")
        raise _reject(message) from None
    stem = uuid.uuid4().hex
    display, width, height = _encode(image, DISPLAY_SIZE, f"{stem}.webp")
    thumbnail = _encode(image, THUMBNAIL_SIZE, f"{stem}-thumb.webp")[0]
    return ProcessedImage(display=display, thumbnail=thumbnail, width=width, height=height)


def _normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in ("P", "LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")
