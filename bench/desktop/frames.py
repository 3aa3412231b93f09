#!/usr/bin/env python3
"""Watches what an X window shows, for bench/desktop: waits for a window of that name (wider
than 100 px, so not GTK's 10x10 leader window), then grabs a region of it every few
milliseconds (XGetImage through ctypes, so no process is started per frame) and prints one
JSON line: when the window was found and each change's wall-clock time (epoch ms) with a hash
of the pixels. Stops once the region has stayed the same for --settled-ms, or at --timeout-ms.

    frames.py NAME [--region X,Y,W,H] [--interval-ms 15] [--settled-ms 3000] [--timeout-ms 30000]
"""

import argparse
import ctypes
import hashlib
import json
import time


class XImage(ctypes.Structure):
    # The leading fields of Xlib's XImage, as far as the pixel data and its size.
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("xoffset", ctypes.c_int),
        ("format", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("byte_order", ctypes.c_int),
        ("bitmap_unit", ctypes.c_int),
        ("bitmap_bit_order", ctypes.c_int),
        ("bitmap_pad", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("bytes_per_line", ctypes.c_int),
        ("bits_per_pixel", ctypes.c_int),
    ]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
ALL_PLANES = 0xFFFFFFFFFFFFFFFF
Z_PIXMAP = 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--region", default="0,0,1200,800")
    parser.add_argument("--interval-ms", type=float, default=15)
    parser.add_argument("--settled-ms", type=float, default=3000)
    parser.add_argument("--timeout-ms", type=float, default=30000)
    args = parser.parse_args()
    x, y, w, h = (int(v) for v in args.region.split(","))

    xlib = ctypes.cdll.LoadLibrary("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XGetImage.restype = ctypes.POINTER(XImage)
    xlib.XGetImage.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
        ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int,
    ]
    xlib.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XQueryTree.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)), ctypes.POINTER(ctypes.c_uint),
    ]
    xlib.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
    xlib.XGetGeometry.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
        ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
    ]
    xlib.XFree.argtypes = [ctypes.c_void_p]
    # Xlib's default handler exits on an error (a window that went away): count it instead.
    errors = [0]

    def on_error(_display, _event):
        errors[0] += 1
        return 0

    handler = ERROR_HANDLER(on_error)
    xlib.XSetErrorHandler(handler)
    display = xlib.XOpenDisplay(None)
    if not display:
        raise SystemExit("cannot open the display")
    want = args.name.encode()

    def width_of(window):
        root, wx, wy = ctypes.c_ulong(), ctypes.c_int(), ctypes.c_int()
        ww, wh, border, depth = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        if not xlib.XGetGeometry(display, window, ctypes.byref(root), ctypes.byref(wx), ctypes.byref(wy),
                                 ctypes.byref(ww), ctypes.byref(wh), ctypes.byref(border), ctypes.byref(depth)):
            return 0
        return ww.value

    def find(window):
        """The first window under `window` named `want` and wider than 100 px, or 0."""
        name = ctypes.c_char_p()
        if xlib.XFetchName(display, window, ctypes.byref(name)) and name.value:
            found = name.value == want and width_of(window) > 100
            xlib.XFree(name)
            if found:
                return window
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not xlib.XQueryTree(display, window, ctypes.byref(root), ctypes.byref(parent),
                               ctypes.byref(children), ctypes.byref(count)):
            return 0
        try:
            for i in range(count.value):
                hit = find(children[i])
                if hit:
                    return hit
        finally:
            if children:
                xlib.XFree(children)
        return 0

    started = time.time() * 1000
    window = 0
    while not window:
        window = find(xlib.XDefaultRootWindow(display))
        if time.time() * 1000 - started >= args.timeout_ms:
            raise SystemExit(f"no window named {args.name}")
        if not window:
            time.sleep(args.interval_ms / 1000)
    found_at = time.time() * 1000

    frames = []  # [epoch ms, hash] at each change
    grabs = 0
    last_change = found_at
    while True:
        now = time.time() * 1000
        image = xlib.XGetImage(display, window, x, y, w, h, ALL_PLANES, Z_PIXMAP)
        grabs += 1
        if image:
            data = ctypes.string_at(image.contents.data, image.contents.bytes_per_line * image.contents.height)
            digest = hashlib.sha1(data).hexdigest()[:12]
            xlib.XDestroyImage(image)
            if not frames or frames[-1][1] != digest:
                frames.append([now, digest])
                last_change = now
        if frames and now - last_change >= args.settled_ms:
            break
        if now - started >= args.timeout_ms:
            break
        time.sleep(args.interval_ms / 1000)
    print(json.dumps({"found_at": found_at, "frames": frames, "grabs": grabs, "errors": errors[0],
                      "interval_ms": (time.time() * 1000 - found_at) / max(grabs, 1)}))


if __name__ == "__main__":
    main()
