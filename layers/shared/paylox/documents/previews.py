"""Small preview images of accepted JPEG and PNG documents (Pillow, imported where used)."""

from __future__ import annotations

import io

from paylox.observability import logger

PREVIEW_SIZE = (320, 320)
# Refuse to decode anything larger: a 10 MB PNG can claim hundreds of megapixels.
MAX_SOURCE_PIXELS = 50_000_000


def make_preview(data: bytes) -> bytes | None:
    """A JPEG of at most 320×320 pixels, upright and without metadata (no EXIF, so no GPS
    position), or ``None`` when the image cannot be decoded safely."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > MAX_SOURCE_PIXELS:
                logger.warning("image too large to preview", extra={"pixels": source.width * source.height})
                return None
            source.draft("RGB", PREVIEW_SIZE)  # JPEG: decode at a reduced scale, much faster
            image = ImageOps.exif_transpose(source)
            image.thumbnail(PREVIEW_SIZE)
            if image.mode in ("RGBA", "LA", "P"):
                rgba = image.convert("RGBA")
                flattened = Image.new("RGB", rgba.size, "white")
                flattened.paste(rgba, mask=rgba.getchannel("A"))
                image = flattened
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        logger.warning("preview failed", exc_info=True)
        return None
