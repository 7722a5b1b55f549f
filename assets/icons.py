#!/usr/bin/env python3
"""Draw the app icons: a calm shield with a keyhole, solid colours, no text.

Writes static/icons/icon.svg and the PNGs the web app manifest and iOS use:
icon-192.png, icon-512.png (purpose "any": rounded square, transparent corners),
maskable-512.png (purpose "maskable": full bleed, the mark inside the 80% safe zone)
and apple-touch-icon.png (180x180, full bleed, iOS rounds the corners itself).

Standard library only (zlib + struct), so it runs anywhere Python 3 does:

    python3 assets/icons.py

The SVG and the PNGs come from the same path data; the PNGs are rasterised here
with 4x vertical supersampling and exact horizontal coverage.
"""

import math
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "static", "icons")

BACKGROUND = (0x1D, 0x4E, 0x6E)  # calm deep blue
SHIELD = (0xF4, 0xF7, 0xFA)  # near white
KEYHOLE = BACKGROUND

# Path data on a 512x512 canvas. Commands: ("M", x, y), ("L", x, y), ("C", x1, y1, x2, y2, x, y), ("Z",)
SHIELD_PATH = [
    ("M", 256, 64),
    ("C", 306, 98, 366, 112, 420, 112),
    ("L", 420, 246),
    ("C", 420, 356, 344, 420, 256, 456),
    ("C", 168, 420, 92, 356, 92, 246),
    ("L", 92, 112),
    ("C", 146, 112, 206, 98, 256, 64),
    ("Z",),
]
KEYHOLE_CIRCLE = (256, 222, 42)  # cx, cy, r
KEYHOLE_STEM = [("M", 238, 236), ("L", 274, 236), ("L", 288, 346), ("L", 224, 346), ("Z",)]

KAPPA = 0.5522847498


def rounded_square(size, radius):
    r, s, k = radius, size, radius * KAPPA
    return [
        ("M", r, 0),
        ("L", s - r, 0),
        ("C", s - r + k, 0, s, r - k, s, r),
        ("L", s, s - r),
        ("C", s, s - r + k, s - r + k, s, s - r, s),
        ("L", r, s),
        ("C", r - k, s, 0, s - r + k, 0, s - r),
        ("L", 0, r),
        ("C", 0, r - k, r - k, 0, r, 0),
        ("Z",),
    ]


def circle_path(cx, cy, r):
    k = r * KAPPA
    return [
        ("M", cx + r, cy),
        ("C", cx + r, cy + k, cx + k, cy + r, cx, cy + r),
        ("C", cx - k, cy + r, cx - r, cy + k, cx - r, cy),
        ("C", cx - r, cy - k, cx - k, cy - r, cx, cy - r),
        ("C", cx + k, cy - r, cx + r, cy - k, cx + r, cy),
        ("Z",),
    ]


def transform(path, scale, dx=0.0, dy=0.0):
    """Scale about the canvas centre (256, 256), then translate."""
    out = []
    for cmd in path:
        if cmd[0] == "Z":
            out.append(cmd)
            continue
        nums = cmd[1:]
        pts = []
        for i in range(0, len(nums), 2):
            pts.append(256 + (nums[i] - 256) * scale + dx)
            pts.append(256 + (nums[i + 1] - 256) * scale + dy)
        out.append((cmd[0], *pts))
    return out


def flatten(path, steps=32):
    """Turn a path into a list of closed polygons (lists of (x, y))."""
    polys, cur, start, pos = [], [], None, None
    for cmd in path:
        op = cmd[0]
        if op == "M":
            if cur:
                polys.append(cur)
            pos = start = (cmd[1], cmd[2])
            cur = [pos]
        elif op == "L":
            pos = (cmd[1], cmd[2])
            cur.append(pos)
        elif op == "C":
            x0, y0 = pos
            x1, y1, x2, y2, x3, y3 = cmd[1:]
            for i in range(1, steps + 1):
                t = i / steps
                u = 1 - t
                x = u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3
                y = u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3
                cur.append((x, y))
            pos = (x3, y3)
        elif op == "Z":
            if cur:
                polys.append(cur)
            cur, pos = [], start
    if cur:
        polys.append(cur)
    return polys


def coverage(polys, size, canvas=512, sub=4):
    """Fraction of each pixel covered by the polygons (non-zero fill), row-major floats."""
    scale = size / canvas
    edges = []
    for poly in polys:
        n = len(poly)
        for i in range(n):
            x0, y0 = poly[i]
            x1, y1 = poly[(i + 1) % n]
            if y0 == y1:
                continue
            winding = 1 if y1 > y0 else -1
            if y0 > y1:
                x0, y0, x1, y1 = x1, y1, x0, y0
            edges.append((x0 * scale, y0 * scale, x1 * scale, y1 * scale, winding))
    cov = [0.0] * (size * size)
    weight = 1.0 / sub
    for row in range(size):
        base = row * size
        for s in range(sub):
            y = row + (s + 0.5) / sub
            crossings = []
            for x0, y0, x1, y1, w in edges:
                if y0 <= y < y1:
                    crossings.append((x0 + (y - y0) * (x1 - x0) / (y1 - y0), w))
            if not crossings:
                continue
            crossings.sort()
            wind = 0
            for i in range(len(crossings) - 1):
                wind += crossings[i][1]
                if wind == 0:
                    continue
                a = max(0.0, crossings[i][0])
                b = min(float(size), crossings[i + 1][0])
                if b <= a:
                    continue
                ia, ib = int(a), int(b)
                if ia == ib:
                    cov[base + ia] += (b - a) * weight
                    continue
                cov[base + ia] += (ia + 1 - a) * weight
                for px in range(ia + 1, min(ib, size)):
                    cov[base + px] += weight
                if ib < size:
                    cov[base + ib] += (b - ib) * weight
    return [min(1.0, c) for c in cov]


def render(size, layers):
    """layers: list of (path, rgb). Returns RGBA bytes (straight alpha)."""
    rgba = [[0.0, 0.0, 0.0, 0.0] for _ in range(size * size)]
    for path, rgb in layers:
        cov = coverage(flatten(path), size)
        for i, a in enumerate(cov):
            if a <= 0:
                continue
            px = rgba[i]
            out_a = a + px[3] * (1 - a)
            for c in range(3):
                px[c] = (rgb[c] * a + px[c] * px[3] * (1 - a)) / out_a
            px[3] = out_a
    data = bytearray()
    for r, g, b, a in rgba:
        data += bytes((round(r), round(g), round(b), round(a * 255)))
    return bytes(data)


def write_png(path, size, rgba):
    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    stride = size * 4
    raw = b"".join(b"\x00" + rgba[y * stride:(y + 1) * stride] for y in range(size))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def svg_d(path):
    parts = []
    for cmd in path:
        if cmd[0] == "Z":
            parts.append("Z")
        else:
            parts.append(cmd[0] + " ".join(fmt(v) for v in cmd[1:]))
    return "".join(parts)


def fmt(v):
    v = round(v, 2)
    return str(int(v)) if v == int(v) else str(v)


def hexcolour(rgb):
    return "#%02x%02x%02x" % rgb


def mark(scale):
    """The shield and keyhole layers at a scale about the centre."""
    keyhole = circle_path(*KEYHOLE_CIRCLE) + KEYHOLE_STEM
    return [(transform(SHIELD_PATH, scale), SHIELD), (transform(keyhole, scale), KEYHOLE)]


def main():
    os.makedirs(OUT, exist_ok=True)
    rounded = rounded_square(512, 112)
    full = [("M", 0, 0), ("L", 512, 0), ("L", 512, 512), ("L", 0, 512), ("Z",)]

    any_layers = [(rounded, BACKGROUND)] + mark(0.92)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">'
        f'<path fill="{hexcolour(BACKGROUND)}" d="{svg_d(rounded)}"/>'
        f'<path fill="{hexcolour(SHIELD)}" d="{svg_d(any_layers[1][0])}"/>'
        f'<path fill="{hexcolour(KEYHOLE)}" d="{svg_d(any_layers[2][0])}"/>'
        "</svg>\n"
    )
    with open(os.path.join(OUT, "icon.svg"), "w", encoding="utf-8") as f:
        f.write(svg)

    outputs = [
        ("icon-192.png", 192, any_layers),
        ("icon-512.png", 512, any_layers),
        # Safe zone: a circle of radius 40% of the size. At 0.76 the mark's farthest point is ~166/512 from the centre.
        ("maskable-512.png", 512, [(full, BACKGROUND)] + mark(0.76)),
        ("apple-touch-icon.png", 180, [(full, BACKGROUND)] + mark(0.84)),
    ]
    for name, size, layers in outputs:
        write_png(os.path.join(OUT, name), size, render(size, layers))
        print("wrote", os.path.join("static", "icons", name))
    print("wrote", os.path.join("static", "icons", "icon.svg"))


if __name__ == "__main__":
    main()
