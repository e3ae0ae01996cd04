# Regenerates icon.png (run from vscode-client/: python3 images/make_icon.py); standard library only.
# 128x128 icon: a rounded blue square with a white check mark over three "code lines".
import math, struct, zlib
N = 128
def inside_round(x, y, r=22):
    cx = min(max(x, r), N - 1 - r); cy = min(max(y, r), N - 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)
rows = []
for y in range(N):
    row = bytearray([0])
    for x in range(N):
        if not inside_round(x, y):
            row += bytes([0, 0, 0, 0]); continue
        # vertical gradient from #2b6cb0 to #1a365d
        t = y / N
        c = [int(0x2b + (0x1a - 0x2b) * t), int(0x6c + (0x36 - 0x6c) * t), int(0xb0 + (0x5d - 0xb0) * t), 255]
        for i, (x0, x1, yy) in enumerate([(26, 80, 34), (26, 64, 52), (26, 72, 70)]):
            if x0 <= x <= x1 and abs(y - yy) <= 4:
                c = [0x90, 0xcd, 0xf4, 255]
        d = min(seg_dist(x, y, 58, 88, 74, 104), seg_dist(x, y, 74, 104, 104, 62))
        if d <= 7:
            c = [255, 255, 255, 255]
        elif d <= 8:
            a = 8 - d
            c = [int(c[0] + (255 - c[0]) * a), int(c[1] + (255 - c[1]) * a), int(c[2] + (255 - c[2]) * a), 255]
        row += bytes(c)
    rows.append(bytes(row))
def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
open("images/icon.png", "wb").write(png)
