"""The one door for every uploaded image (avatars, story photos, evidence).

Accepts JPEG, PNG and WebP only, at most 10 MB and 40 megapixels; refuses decompression
bombs and truncated files; applies the EXIF orientation and then drops every metadata block
(GPS included) by re-encoding the pixels alone as WebP, at a display size and a thumbnail.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# Phones and cameras save multi-picture JPEGs; Pillow calls them MPO. We keep the first picture.
DECODED_FORMATS = {*ALLOWED_FORMATS, "MPO"}
DISPLAY_SIZE = (1600, 1600)
THUMBNAIL_SIZE = (320, 320)
WEBP_QUALITY = 82


@dataclass(frozen=True)
class ProcessedImage:
    display: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _reject(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_image")


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
        raise _reject("This image is larger than 10 MB. Please choose a smaller file.")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _reject("This image is larger than 10 MB. Please choose a smaller file.")
    if not data:
        raise _reject("The file is empty.")
    return data


def process_upload(upload, *, square: bool = False) -> ProcessedImage:
    """Validate and re-encode an uploaded image. Raises ValidationError with a plain message.

    `square` crops to a centred square first (avatars).
    """
    data = _read_bytes(upload)
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice it; we refuse on our own limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our three parsers ever see the bytes (Pillow's advice for untrusted input).
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                if probe.format not in DECODED_FORMATS:
                    raise _reject("Please upload a JPEG, PNG or WebP image.")
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise _reject("This image has more than 40 megapixels. Please resize it.")
                probe.verify()
            # verify() leaves the image unusable: open again to decode the pixels.
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _normalise_mode(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject("This image is too large to process safely.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        message = "This file is not an image we can read (JPEG, PNG or WebP)."
        if "decompressed data too large" in str(exc).lower():
            # A small PNG text or colour-profile chunk that inflates to hundreds of megabytes.
            message = "This image is too large to process safely."
        elif "truncated" in str(exc).lower():
            message = "This image file is incomplete or damaged. Please upload it again."
        raise _reject(message) from None
    if square:
        side = min(image.size)
        image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    stem = uuid.uuid4().hex
    display, width, height = _encode(image, DISPLAY_SIZE, f"{stem}.webp")
    thumbnail, _, _ = _encode(image, THUMBNAIL_SIZE, f"{stem}-thumb.webp")
    return ProcessedImage(display=display, thumbnail=thumbnail, width=width, height=height)


def _normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    if image.mode in ("P", "LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")
