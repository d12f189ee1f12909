#!/usr/bin/env bash
# Regenerates the DCMTK reference files (Debian dcmtk 3.6.7-9~deb12u4, `apt-get install dcmtk`). The pixel patterns are the
# formulas DcmtkReferenceTests recomputes, so the test checks our decoders against DCMTK's encoders bit for bit.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
python3 - "$tmp" <<'PY'
import struct, sys
d = sys.argv[1]
# 12-bit monochrome in 16 bits, 61x47 (odd width), with flat stripes, the 0 and 4095 extremes and noise.
def mono(x, y):
    if y < 4: return 0 if x % 2 else 4095
    return ((x * x * 7 + y * 131) ^ (x * y * 3)) & 0xFFF
open(f"{d}/mono12.raw", "wb").write(b"".join(struct.pack("<H", mono(x, y)) for y in range(47) for x in range(61)))
# 16-bit RGB, 33x21, interleaved by pixel: exercises RLE's byte and sample planes.
def rgb(x, y, c):
    if y < 3: return 65535 if c == 0 else 0
    return ((x * 1031 + y * 577 + c * 8191) ^ (x * y)) & 0xFFFF
open(f"{d}/rgb16.raw", "wb").write(b"".join(struct.pack("<H", rgb(x, y, c)) for y in range(21) for x in range(33) for c in range(3)))
PY
common='(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [2.25.118617011376217216473491434946421734577]
(0028,0008) IS 1'
cat > "$tmp/mono12.dump" <<DUMP
$common
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 47
(0028,0011) US 61
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW =$tmp/mono12.raw
DUMP
cat > "$tmp/rgb16.dump" <<DUMP
$common
(0028,0002) US 3
(0028,0004) CS [RGB]
(0028,0006) US 0
(0028,0010) US 21
(0028,0011) US 33
(0028,0100) US 16
(0028,0101) US 16
(0028,0102) US 15
(0028,0103) US 0
(7fe0,0010) OW =$tmp/rgb16.raw
DUMP
dump2dcm +te "$tmp/mono12.dump" "$tmp/mono12.dcm"
dump2dcm +te "$tmp/rgb16.dump" "$tmp/rgb16.dcm"
dcmcjpeg +e1 "$tmp/mono12.dcm" mono12-jpeg-lossless-sv1.dcm
dcmcrle "$tmp/rgb16.dcm" rgb16-rle.dcm
rm -r "$tmp"
