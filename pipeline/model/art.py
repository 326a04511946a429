"""Cover art drawn by code: a square RGB PNG that meets Apple's artwork rules (1400-3000 px)."""

from __future__ import annotations

import io
from pathlib import Path

from ..fsutil import write_atomic

SIZE = 1400
DEFAULT_COVER = "art/cover.png"
COVER_TYPES = {".png", ".jpg", ".jpeg"}
CONFIG_FILES = {"show.toml", "quiz.yaml", "lexicon.toml"}


def cover_problem(content: Path, cover: str | Path) -> str | None:
    """What is wrong with `cover` as the path of the show's art (drawn there by `certquests cover`, published
    by every build): it must name a PNG or JPEG under content/, reached without leaving it, and not hidden."""
    path = (content / cover).resolve()
    root = content.resolve()
    like = f"a PNG or JPEG file under content/, like '{DEFAULT_COVER}'"
    if not path.is_relative_to(root) or path == root:
        return f"{str(cover)!r} is outside content/; name {like}"
    parts = path.relative_to(root).parts
    if any(part.startswith(".") for part in parts) or "/".join(parts) in CONFIG_FILES:
        return f"{str(cover)!r} is a hidden file or the course's own config; name {like}"
    if path.suffix.lower() not in COVER_TYPES:
        return f"{str(cover)!r} is not a .png, .jpg or .jpeg file; name {like}"
    return None


def draw_cover(title: str, subtitle: str, path: Path, size: int = SIZE) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    top, bottom = (16, 32, 64), (232, 110, 28)
    for y in range(size):
        t = y / (size - 1)
        color = tuple(int(a + (b - a) * t**1.6) for a, b in zip(top, bottom))
        draw.line([(0, y), (size, y)], fill=color)
    # Sound waves: concentric arcs in the upper half.
    center = (size // 2, int(size * 0.30))
    for ring in range(1, 6):
        radius = int(size * 0.045 * ring)
        box = [center[0] - radius, center[1] - radius, center[0] + radius, center[1] + radius]
        width = max(4, size // 140)
        draw.arc(box, start=200, end=340, fill=(255, 214, 120), width=width)
        draw.arc(box, start=20, end=160, fill=(255, 214, 120), width=width)
    dot = size // 28
    draw.ellipse([center[0] - dot, center[1] - dot, center[0] + dot, center[1] + dot], fill=(255, 255, 255))

    def fitted(text: str, limit: int, start: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        font_size = start
        while font_size > 12:
            font = ImageFont.load_default(size=font_size)
            if draw.textlength(text, font=font) <= limit:
                return font
            font_size -= 4
        return ImageFont.load_default(size=12)

    words = title.split(":", 1)
    headline = words[0].strip()
    rest = words[1].strip() if len(words) > 1 else ""
    font = fitted(headline, int(size * 0.86), int(size * 0.16))
    draw.text((size // 2, int(size * 0.64)), headline, font=font, fill=(255, 255, 255), anchor="mm")
    if rest:
        font = fitted(rest, int(size * 0.86), int(size * 0.065))
        draw.text((size // 2, int(size * 0.76)), rest, font=font, fill=(255, 240, 220), anchor="mm")
    if subtitle:
        font = fitted(subtitle, int(size * 0.86), int(size * 0.045))
        draw.text((size // 2, int(size * 0.86)), subtitle, font=font, fill=(255, 240, 220), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    write_atomic(path, buffer.getvalue())


def artwork_problem(path: Path) -> str | None:
    """Why this image breaks the podcast artwork rules, or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height, kind, mode = image.width, image.height, image.format, image.mode
    except (OSError, UnidentifiedImageError):
        return "is not a readable image; use a PNG or JPEG"
    if kind not in ("PNG", "JPEG"):
        return f"is {kind}; podcast apps need PNG or JPEG"
    suffix = path.suffix.lower()
    if (kind == "PNG") != (suffix == ".png") or (kind == "JPEG") != (suffix in (".jpg", ".jpeg")):
        return f"is a {kind} file named {path.name}; make the extension match the format"
    if width != height:
        return f"is {width}x{height}; it must be square"
    if not 1400 <= width <= 3000:
        return f"is {width}x{height}; it must be 1400 to 3000 pixels on a side"
    if mode != "RGB":
        return f"uses colour mode {mode}; save it as RGB (no transparency, no CMYK)"
    return None
