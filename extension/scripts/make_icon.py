"""Draws the extension's icon, media/icon.png (256x256 RGBA), with the standard library only.

A road winds up a rounded dark-blue tile past three checkbox milestones: two ticked, the last
one open. Every shape is a signed distance field, anti-aliased by its coverage of the pixel.
Run from extension/: `python3 scripts/make_icon.py` (deterministic: same bytes every run).
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

SIZE = 256
Color = tuple[float, float, float]


def hex_color(value: str) -> Color:
    return tuple(int(value[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


TOP, BOTTOM = hex_color("#2b4c8c"), hex_color("#132347")
ROAD, ROAD_EDGE, LANE = hex_color("#f4c95d"), hex_color("#c8962e"), hex_color("#fff6da")
DONE, DONE_EDGE, OPEN, TICK = (
    hex_color("#3fbf7f"),
    hex_color("#1f8a55"),
    hex_color("#ffffff"),
    hex_color("#ffffff"),
)


def rounded_box(px: float, py: float, cx: float, cy: float, half: float, radius: float) -> float:
    qx, qy = abs(px - cx) - half + radius, abs(py - cy) - half + radius
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def segment(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def bezier(
    p0: tuple[float, float],
    p1: tuple[float, float],
    p2: tuple[float, float],
    p3: tuple[float, float],
    n: int,
) -> list[tuple[float, float]]:
    out = []
    for i in range(n + 1):
        t = i / n
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


# The road: an S-curve from the bottom left to the top right, as a polyline.
PATH = bezier((30, 250), (250, 215), (10, 95), (236, 22), 64)
MILESTONES = [(72, 206, True), (128, 140, True), (192, 64, False)]
BOX_HALF, BOX_RADIUS = 24.0, 7.0


def polyline_distance(
    px: float, py: float, points: list[tuple[float, float]]
) -> tuple[float, float]:
    """Distance to the polyline and the arc length at the nearest point."""
    best, best_s, s = 1e9, 0.0, 0.0
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        d = segment(px, py, ax, ay, bx, by)
        if d < best:
            best, best_s = d, s + math.hypot(px - ax, py - ay)
        s += math.hypot(bx - ax, by - ay)
    return best, best_s


def coverage(distance: float) -> float:
    return max(0.0, min(1.0, 0.5 - distance))


def over(dst: list[float], color: Color, alpha: float) -> None:
    if alpha <= 0:
        return
    a = dst[3] + alpha * (1 - dst[3])
    for i in range(3):
        dst[i] = (color[i] * alpha + dst[i] * dst[3] * (1 - alpha)) / a if a else 0.0
    dst[3] = a


def pixel(x: int, y: int) -> list[float]:
    px, py = x + 0.5, y + 0.5
    out = [0.0, 0.0, 0.0, 0.0]
    tile = rounded_box(px, py, SIZE / 2, SIZE / 2, SIZE / 2 - 2, 44)
    t = py / SIZE
    background = tuple(TOP[i] * (1 - t) + BOTTOM[i] * t for i in range(3))
    over(out, background, coverage(tile))  # type: ignore[arg-type]
    if tile > 0.5:
        return out
    road, along = polyline_distance(px, py, PATH)
    inside_tile = coverage(tile)
    over(out, ROAD_EDGE, coverage(road - 17) * inside_tile)
    over(out, ROAD, coverage(road - 14) * inside_tile)
    dash = 1.0 if (along % 22) < 11 else 0.0
    over(out, LANE, coverage(road - 2) * dash * inside_tile)
    for cx, cy, done in MILESTONES:
        box = rounded_box(px, py, cx, cy, BOX_HALF, BOX_RADIUS)
        if done:
            over(out, DONE_EDGE, coverage(box))
            over(out, DONE, coverage(box + 3))
            tick = min(
                segment(px, py, cx - 12, cy + 1, cx - 3, cy + 10),
                segment(px, py, cx - 3, cy + 10, cx + 13, cy - 10),
            )
            over(out, TICK, coverage(tick - 4.2))
        else:
            over(out, BOTTOM, coverage(box))
            over(out, OPEN, coverage(box) * (1 - coverage(box + 5)))
    return out


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    rows = []
    for y in range(SIZE):
        row = bytearray()
        for x in range(SIZE):
            r, g, b, a = pixel(x, y)
            row += bytes(round(max(0.0, min(1.0, c)) * 255) for c in (r, g, b, a))
        rows.append(bytes(row))
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "media/icon.png"
    )
    target.write_bytes(png(SIZE, SIZE, rows))
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
