# Decode-only timing of zxing-cpp (Debian python3-zxing-cpp): every image is loaded and turned grey first,
# then only read_barcodes is timed, REPEAT times (argv[1], default 1), and the fastest run is reported.
# Input: one image path per line on stdin. Output: one JSON line per image, flushed at once, so the caller
# can interleave its own measurements with these.
import json
import sys
import time

import zxingcpp
from PIL import Image

repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 1
for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    image = Image.open(path).convert("L")
    image.load()
    ms = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        ms = min(ms, (time.perf_counter() - start) * 1000.0)
    print(json.dumps({"file": path, "texts": [r.text for r in results if r.valid], "ms": ms}, ensure_ascii=False), flush=True)
