"""Hostile and malformed requests against every endpoint (issue 8, point 6).

Two tables:

* HOSTILE: requests that must be refused. Each case names what it attacks,
  the exact status and machine code it must get, and why. Every answer is
  checked for the JSON error shape {"status":"error","message","error"}
  (a "request_id" may be added), Content-Type application/json with
  nosniff, no server path or internal detail in the body, and that nothing
  changed: no new file (or temporary file) under uploads/, gifs/, meta/ and
  no new row in the module's tables.
  Cases whose code is None are refused by httpd itself before any module
  code runs (the request is not valid HTTP, or its path leaves the module's
  locations): there the status and the absence of leaks are checked, not
  JSON.
* ODD_IMAGES: unusual but real images (CMYK, 16-bit, alpha, palettes,
  animation, polyglots, odd names) that must be accepted: 200, the stored
  bytes are exactly the upload, Apache serves them as the sniffed image
  type with nosniff and a sandbox CSP, and a working 50-frame GIF renders.

Requests are written byte for byte on raw sockets (no client-side path or
header normalisation). Cases marked xfail(strict=True) are bugs found here,
kept with the right expectation; see the reason of each.
"""

import base64
import hashlib
import io
import json
import os
import re
import socket
import struct
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

import pytest
from PIL import Image

from solana_keys import Wallet, b58decode, b58encode

AREAS = ("uploads", "gifs", "meta")
TABLES = ("images", "gifs", "nfts", "listings", "listing_nonces", "mint_prepared",
          "mint_requests")
JSON_TYPE = "application/json; charset=utf-8"
MINT_MAX = 8192          # BODY_MAX of handle_mint.c
LISTING_MAX = 4096       # BODY_MAX of handle_listing.c
UPLOAD_MAX = 10 * 1024 * 1024
XRW = b"X-Requested-With: qnft\r\n"     # the CSRF header the pages send on every POST


# ---- raw HTTP -----------------------------------------------------------------------------

class Resp:
    def __init__(self, raw):
        self.raw = raw
        self.interim = []
        rest = raw
        # drop interim answers (100 Continue)
        while re.match(rb"HTTP/1\.[01] 1\d\d ", rest):
            head, _, rest = rest.partition(b"\r\n\r\n")
            self.interim.append(int(head.split(b" ", 2)[1]))
        head, _, body = rest.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if not lines[0].startswith(b"HTTP/"):
            raise AssertionError("not an HTTP answer: %r" % raw[:200])
        self.status = int(lines[0].split(b" ", 2)[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            self.headers.setdefault(name.strip().lower().decode("latin-1"), []).append(
                value.strip().decode("latin-1"))
        if "chunked" in self.header("transfer-encoding").lower():
            body = dechunk(body)
        elif self.header("content-length"):
            body = body[:int(self.header("content-length"))]
        self.body = body

    def header(self, name):
        return ", ".join(self.headers.get(name.lower(), []))

    def json(self):
        return json.loads(self.body)


def dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def exchange(port, data, timeout=60, shut_wr=False):
    """Send data (from a thread, so a server that answers early and closes
    does not block us), read until the server closes. A hang fails."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def writer():
        try:
            s.sendall(data)
            if shut_wr:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass            # the server answered and closed before taking it all
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    out = b""
    deadline = time.time() + timeout
    try:
        while True:
            if time.time() > deadline:
                raise AssertionError("no end of answer in %d s (hang): %r" % (timeout, out[:200]))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                raise AssertionError("server hung: no answer in %d s: %r" % (timeout, out[:200]))
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
        t.join(5)
    return Resp(out)


def req(method, path, headers=b"", body=None, cl=True, proto=b"HTTP/1.1", host=True, xrw=True):
    """Request bytes as given. POSTs carry the CSRF header of the pages."""
    head = method + b" " + path + b" " + proto + b"\r\n"
    if host:
        head += b"Host: 127.0.0.1\r\n"
    if method == b"POST" and xrw:
        head += XRW
    head += headers
    if body is not None and cl:
        head += b"Content-Length: %d\r\n" % len(body)
    head += b"Connection: close\r\n\r\n"
    return head + (body or b"")


def get(path, headers=b""):
    return req(b"GET", path, headers)


def post_json(path, obj, ctype=b"application/json", headers=b""):
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return req(b"POST", path, b"Content-Type: " + ctype + b"\r\n" + headers, body)


def mp_body(parts, boundary=b"bb", close=True):
    out = b""
    for hdrs, data in parts:
        out += b"--" + boundary + b"\r\n" + hdrs + b"\r\n\r\n" + data + b"\r\n"
    if close:
        out += b"--" + boundary + b"--\r\n"
    return out


def file_part(data, filename=b"photo.png", name=b"file", ctype=b"application/octet-stream"):
    return (b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename
            + b'"\r\nContent-Type: ' + ctype, data)


def upload_req(data, filename=b"photo.png", part_type=b"application/octet-stream"):
    return req(b"POST", b"/upload_image",
               b"Content-Type: multipart/form-data; boundary=bb\r\n",
               mp_body([file_part(data, filename, ctype=part_type)]))


def upload_raw(ctype, body, extra=b""):
    headers = (b"Content-Type: " + ctype + b"\r\n" if ctype is not None else b"") + extra
    return req(b"POST", b"/upload_image", headers, body)


# ---- images -------------------------------------------------------------------------------

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png_raw(width, height, depth=8, color=2, idat=None, extra=b"", interlace=0):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    if idat is None:
        idat = zlib.compress(b"\x00" * 16)
    return PNG_SIG + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def encode(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def picture(w=96, h=64, seed=0):
    """A small photo-like gradient (seed makes the bytes, and the id, differ)."""
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = ((x * 255) // max(1, w - 1), (y * 255) // max(1, h - 1),
                        ((x + y) * 7 + seed * 31) % 256)
    return img


def png(seed=0, **kw):
    return encode(picture(seed=seed), "PNG", **kw)


def jpeg(seed=0, **kw):
    return encode(picture(seed=seed), "JPEG", **kw)


def gif_raw(sw, sh, frames):
    """GIF89a, 2-colour global table; frames = [(left, top, width, height)]
    each with a tiny LZW stream (fewer pixels than declared)."""
    out = (b"GIF89a" + struct.pack("<HH", sw, sh) + b"\x80\x00\x00"
           + b"\x00\x00\x00\xff\xff\xff")
    for (x, y, w, h) in frames:
        out += b"\x2c" + struct.pack("<HHHH", x, y, w, h) + b"\x00" + b"\x02\x02\x44\x01\x00"
    return out + b"\x3b"


def jpeg_sof(width, height):
    """SOI, a baseline SOF0 of one component, EOI: what a header probe reads."""
    return (b"\xff\xd8\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1)
            + b"\x01\x11\x00\xff\xd9")


def riff(payload):
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def webp_vp8x(cw, ch, flags=0, body=b""):
    return riff(b"VP8X" + struct.pack("<I", 10) + bytes([flags]) + b"\x00\x00\x00"
                + (cw - 1).to_bytes(3, "little") + (ch - 1).to_bytes(3, "little") + body)


def webp_vp8l(w, h):
    data = b"\x2f" + struct.pack("<I", (w - 1) | ((h - 1) << 14)) + b"\x00" * 8
    return riff(b"VP8L" + struct.pack("<I", len(data)) + data)


def webp_vp8(w, h):
    tag = (1 << 4) | (10 << 5)          # key frame, version 0, shown, partition 10
    data = tag.to_bytes(3, "little") + b"\x9d\x01\x2a" + struct.pack("<HH", w, h) + b"\x00" * 12
    return riff(b"VP8 " + struct.pack("<I", len(data)) + data)


def png_bomb(width=20000, height=20000):
    """A complete 1-bit PNG: small on the wire, 400 megapixels decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return png_raw(width, height, 1, 0, idat=idat)


def zlib_bomb_png(extra_mb, w=100, h=100):
    """A 100 x 100 PNG whose IDAT stream goes on after the last row with
    extra_mb MiB of compressed zeros (about 1 KiB on the wire per MiB).
    Built from one repeated full-flush block, so it takes no time here."""
    comp = zlib.compressobj(9)
    rows = b"\x00" * ((1 + w * 3) * h)
    stream = comp.compress(rows) + comp.flush(zlib.Z_FULL_FLUSH)
    mb = b"\x00" * (1 << 20)
    comp.compress(mb)
    comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(mb) + comp.flush(zlib.Z_FULL_FLUSH)     # steady state
    total = len(rows) + (1 << 20) * extra_mb
    adler = ((total % 65521) << 16) | 1            # Adler-32 of `total` zero bytes
    idat = stream + block * extra_mb + b"\x03\x00" + struct.pack(">I", adler)
    return png_raw(w, h, 8, 2, idat=idat)


def text_chunk_bomb(kind, mb):
    """A real PNG with a zTXt or iCCP chunk that inflates to mb MiB."""
    comp = zlib.compressobj(9)
    blob = b"".join(comp.compress(b"\x00" * (1 << 20)) for _ in range(mb)) + comp.flush()
    head = b"Comment\x00\x00" if kind == b"zTXt" else b"icc\x00\x00"
    good = png(seed=11)
    return good[:33] + chunk(kind, head + blob) + good[33:]


def adam7_png(w, h):
    """An interlaced (Adam7) RGB PNG; PIL cannot write one."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
              (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for (x0, y0, dx, dy) in passes:
        pw = (w - x0 + dx - 1) // dx if w > x0 else 0
        ph = (h - y0 + dy - 1) // dy if h > y0 else 0
        for _ in range(ph if pw else 0):
            raw += b"\x00" + bytes((i * 37) % 256 for i in range(pw * 3))
    return png_raw(w, h, 8, 2, idat=zlib.compress(raw), interlace=1)


def png16(mode_color):
    """16-bit PNGs: colour type 0 (grey) or 2 (RGB), written by hand."""
    w, h = 40, 30
    chans = 1 if mode_color == 0 else 3
    raw = b""
    for y in range(h):
        raw += b"\x00" + b"".join(struct.pack(">H", (x * 1600 + y * 900 + c * 7000) % 65536)
                                  for x in range(w) for c in range(chans))
    return png_raw(w, h, 16, mode_color, idat=zlib.compress(raw))


def exif_rotated_jpeg():
    exif = Image.Exif()
    exif[0x0112] = 6                    # rotate 90 CW when shown
    return encode(picture(96, 64, seed=5), "JPEG", exif=exif.tobytes())


def animated_gif():
    frames = [picture(seed=s).convert("P") for s in (1, 2, 3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)


def animated_webp():
    return encode(picture(seed=6), "WEBP", save_all=True,
                  append_images=[picture(seed=7).rotate(90)], duration=100)


def polyglot_jpeg_php():
    good = jpeg(seed=8)
    comment = b"<?php system($_GET['c']); ?><html><script>alert(1)</script></html>"
    return good[:2] + b"\xff\xfe" + struct.pack(">H", 2 + len(comment)) + comment + good[2:]


def real_gif(seed=0):
    """A complete, properly encoded GIF (PIL's encoder)."""
    return encode(picture(seed=seed).convert("P"), "GIF")


def gif_code_size_at(data):
    """Offset of the LZW minimum code size byte of the first image."""
    pos = 13 + ((3 << ((data[10] & 7) + 1)) if data[10] & 0x80 else 0)
    while data[pos] == 0x21:                    # extensions: label, then sub-blocks
        pos += 2
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    assert data[pos] == 0x2c
    flags = data[pos + 9]
    return pos + 10 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)


def gif_with_code_size(size):
    g = bytearray(real_gif(seed=42))
    g[gif_code_size_at(g)] = size
    return bytes(g)


# ---- checks -------------------------------------------------------------------------------

LEAKS = [re.compile(p, re.I) for p in (
    r"(?<![\w.])/(tmp|var|usr|etc|home|root|proc|srv|opt|work|run|dev|lib)/",
    r"\w\.c[:(]\d+", r"\bapr_\w+\(", r"\berrno\b", r"sqlstate|pgsql|postgres",
    r"\bselect\b[^.]*\bfrom\b|\binsert\s+into\b", r"QNFT\d{5}", r"\bAH\d{5}\b",
    r"segmentation|core dumped|traceback|assertion", r"root:x?:0:0",
    r"PRIVATE KEY", r"Apache/\d")]


def assert_no_leak(env, w, resp):
    text = resp.body.decode("utf-8", "replace")
    for secret in (env.storage, env.stack.base, w.signer_text.strip()[:40]):
        assert secret not in text, "body leaks %r" % secret
    for pattern in LEAKS:
        m = pattern.search(text)
        assert not m, "body leaks an internal detail %r: %s" % (m.group(0), text[:300])


def assert_json_error(resp, status, code):
    assert resp.status == status, (status, code, resp.status, resp.body[:300])
    assert resp.header("content-type") == JSON_TYPE, resp.raw[:300]
    assert resp.header("x-content-type-options") == "nosniff"
    body = resp.json()
    assert isinstance(body, dict), body
    assert {"status", "message", "error"} <= set(body) <= {"status", "message", "error",
                                                           "request_id"}, body
    assert body["status"] == "error", body
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    return body


def snapshot(env):
    files = {a: sorted(os.listdir(os.path.join(env.storage, a))) for a in AREAS}
    counts = env.pg.psql("SELECT " + ", ".join("(SELECT count(*) FROM %s)" % t for t in TABLES))
    return files, dict(zip(TABLES, (int(n) for n in counts.split("|"))))


def assert_unchanged(before, after, allow):
    files_b, rows_b = before
    files_a, rows_a = after
    for area in AREAS:
        assert files_a[area] == files_b[area], "storage %s/ changed: +%s -%s" % (
            area, sorted(set(files_a[area]) - set(files_b[area])),
            sorted(set(files_b[area]) - set(files_a[area])))
    for t in TABLES:
        assert rows_a[t] - rows_b[t] == allow.get(t, 0), "table %s: %d -> %d rows" % (
            t, rows_b[t], rows_a[t])


# ---- the shared world: an image, its GIF, an NFT owned by alice, her listing ------------

class World:
    pass


def listing_text(domain, action, mint, seller, nonce, expires_at, price=None, listing_id=None):
    second = ("price_lamports: %d" % price) if action == "list" else ("listing_id: %d" % listing_id)
    return ("QNFT marketplace\ndomain: %s\naction: %s\n%s\nmint: %s\nseller: %s\nnonce: %s\n"
            "expires_at: %d" % (domain, action, second, mint, seller, nonce, expires_at)).encode()


def http_json(env, method, path, obj=None, headers=b""):
    body = None if obj is None else json.dumps(obj).encode()
    if body is not None:
        headers = b"Content-Type: application/json\r\n" + headers
    r = exchange(env.httpd.port, req(method, path.encode(), headers, body))
    return r.status, (r.json() if r.body.strip() else None)


@pytest.fixture(scope="module")
def world(env):
    w = World()
    w.env = env
    w.domain = env.url
    with open(env.stack.signer) as f:
        w.signer_text = f.read()
    r = exchange(env.httpd.port, upload_req(png(seed=1), b"world.png"))
    assert r.status == 200, r.body
    w.image_id = r.json()["file_id"]
    st, g = http_json(env, b"GET", "/generate_gif/" + w.image_id)
    assert st == 200, g
    w.gif_id = g["gif_id"]
    r = exchange(env.httpd.port, upload_req(png(seed=2), b"other.png"))
    other = r.json()["file_id"]
    w.other_gif_id = http_json(env, b"GET", "/generate_gif/" + other)[1]["gif_id"]
    w.alice, w.mallory = Wallet(), Wallet()
    st, m = http_json(env, b"POST", "/mint_nft", {
        "image_id": w.image_id, "gif_id": w.gif_id, "mint_type": "long",
        "owner": w.alice.address, "sign": "server"})
    assert st == 200, m
    w.mint = m["mint"]
    w.listing_body = signed_list(w, w.alice, w.mint, 1500000000, expires_in=3500)
    st, lst = http_json(env, b"POST", "/marketplace/listings", w.listing_body)
    assert st == 201, lst
    w.listing_id = lst["listing"]["id"]
    # a wallet-signed mint, prepared and never submitted
    w.payer = Wallet()
    env.stack.chain.rpc("requestAirdrop", [w.payer.address, 2 * 10**9])
    st, p = http_json(env, b"POST", "/mint_nft", {
        "image_id": w.image_id, "gif_id": w.gif_id, "mint_type": "short",
        "owner": w.payer.address, "sign": "wallet"})
    assert st == 200 and p["status"] == "prepared", p
    w.prepared = p
    return w


def signed_list(w, wallet, mint, price, expires_in=300, nonce=None, seller=None, signer=None):
    nonce = nonce or uuid.uuid4().hex
    expires = int(time.time()) + expires_in
    seller = seller or wallet.address
    text = listing_text(w.domain, "list", mint, seller, nonce, expires, price=price)
    return {"mint": mint, "seller": seller, "price_lamports": price, "nonce": nonce,
            "expires_at": expires, "signature": (signer or wallet).sign(text)}


def signed_delist(w, wallet, listing_id, mint, expires_in=300, seller=None):
    nonce = uuid.uuid4().hex
    expires = int(time.time()) + expires_in
    seller = seller or wallet.address
    text = listing_text(w.domain, "delist", mint, seller, nonce, expires, listing_id=listing_id)
    return {"seller": seller, "nonce": nonce, "expires_at": expires,
            "signature": wallet.sign(text)}


def mint_body(w, **change):
    body = {"image_id": w.image_id, "gif_id": w.gif_id, "mint_type": "long",
            "owner": w.alice.address, "sign": "server"}
    body.update(change)
    return {k: v for k, v in body.items() if v is not DROP}


DROP = object()


def legacy_tx(nsig=1, keys=1, instructions=0):
    """A structurally valid legacy transaction (zero signatures)."""
    return (bytes([nsig]) + b"\x00" * 64 * nsig + bytes([nsig, 0, 0]) + bytes([keys])
            + b"\x07" * 32 * keys + b"\x09" * 32 + bytes([instructions]))


def b64(data):
    return base64.b64encode(data).decode()


# ---- the table ---------------------------------------------------------------------------

@dataclass
class Case:
    id: str
    make: Callable            # World -> request bytes
    status: int
    code: Optional[str]       # machine code; None: refused by httpd core (not JSON)
    why: str
    bug: Optional[str] = None
    setup: Optional[Callable] = None          # World -> None, before the snapshot
    then: Optional[Callable] = None           # (World, Resp) -> None, extra checks
    allow: Dict[str, int] = field(default_factory=dict)   # rows a refusal may add by design
    shut_wr: bool = False
    log: Optional[str] = None                 # error-log lines this case may cause
    max_seconds: Optional[float] = None


HOSTILE = []


def case(*args, **kw):
    HOSTILE.append(Case(*args, **kw))


HEX = "ab" * 32                         # a well-formed image id nobody uploaded
ADDR = b58encode(bytes(range(1, 33)))   # a well-formed address nobody minted
CORE_BAD_URI = r"AH10244: invalid URI path"   # httpd logs its own refusal at error level
BODY_FILTER_BUG = ("BUG: a broken chunked body read by the module is answered by httpd's HTTP_IN "
                   "filter (the module returns AP_FILTER_ERROR) with an HTML page, not JSON")


def with_id(prefix, ident, suffix=b""):
    return prefix + (ident if isinstance(ident, bytes) else ident.encode()) + suffix


# -- 1. path traversal in every id position of a URL ---------------------------------------

ID_POSITIONS = [
    # (name, prefix, suffix, method, body builder, bad-id code, not-found code, good id)
    ("gif-id", b"/generate_gif/", b"", b"GET", None, "bad_image_id", "image_not_found",
     lambda w: HEX),
    ("mint-status", b"/mint_nft/", b"", b"GET", None, "bad_mint", "mint_not_found",
     lambda w: ADDR),
    ("market-nft", b"/marketplace/nfts/", b"", b"GET", None, "bad_mint", "nft_not_found",
     lambda w: ADDR),
    ("delist-id", b"/marketplace/listings/", b"/delist", b"POST", lambda w: b"{}",
     "bad_listing_id", "listing_not_found", lambda w: "987654321"),
]

for name, pre, suf, method, body, bad, missing, good in ID_POSITIONS:
    def mk(ident, pre=pre, suf=suf, method=method, body=body):
        def make(w):
            i = ident(w) if callable(ident) else ident
            path = with_id(pre, i, suf)
            if body is None:
                return req(method, path)
            return req(method, path, b"Content-Type: application/json\r\n", body(w))
        return make
    case(name + "/dotdot-above-root", mk(b"../../../../etc/passwd"), 400, None,
         "raw ../ normalised by httpd climbs above / : core refuses the URI (400), never a file",
         log=CORE_BAD_URI)
    case(name + "/pct-2e-dotdot-above-root", mk(b"%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), 400,
         None, "%2e is decoded before dot-segment removal: same as ../ (400 from core)",
         log=CORE_BAD_URI)
    case(name + "/pct-2f-encoded-slash", mk(b"..%2f..%2f..%2fetc%2fpasswd"), 400, bad,
         "an encoded slash makes the id malformed: the endpoint's 400 JSON")
    case(name + "/pct-00-nul", mk(lambda w, good=good: "%00" + good(w)), 400, bad,
         "a NUL in an id is malformed: the endpoint's 400 JSON")
    case(name + "/backslashes", mk(b"..\\..\\..\\etc\\passwd"), 400, bad,
         "backslashes are not separators here; the id is not of its exact form")
    case(name + "/pct-5c-backslashes", mk(b"..%5c..%5cetc%5cpasswd"), 400, bad,
         "decoded backslashes: still not an id of the exact form")
    case(name + "/overlong-utf8-dots", mk(b"%c0%ae%c0%ae%c0%afetc%c0%afpasswd"), 400, bad,
         "overlong UTF-8 for ../ is just bytes outside the id alphabet")
    case(name + "/unicode-dot-leaders", mk(b"%e2%80%a4%e2%80%a4%e2%81%84etc"), 400, bad,
         "U+2024 ONE DOT LEADER and U+2044 FRACTION SLASH are not dots or slashes")
    case(name + "/double-encoded", mk(b"%252e%252e%252fetc%252fpasswd"), 400, bad,
         "decoded once by httpd: '%2e%2e%2f' text, not an id")
    case(name + "/dotdot-back-inside", mk(lambda w, good=good: "x/../" + good(w)), 404, missing,
         "x/../ normalises back to a well-formed, unknown id inside the endpoint: 404")
    case(name + "/4kb-segment", mk("a" * 4100), 400, bad,
         "an overlong id is malformed: 400 JSON from the endpoint")

# -- 2. static files: only stored names are served, nothing else is reachable --------------

STATIC = [
    (b"/qnft/uploads/../../../../etc/passwd", 400, "../ above the root: refused by core",
     CORE_BAD_URI),
    (b"/qnft/uploads/..%2f..%2f..%2fetc%2fpasswd", 404, "encoded slashes: not a stored name"),
    (b"/qnft/gifs/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 400, "%2e%2e above the root",
     CORE_BAD_URI),
    (b"/qnft/meta/..%2f..%2fsigner.json", 404, "the signer key beside the storage stays out"),
    (b"/qnft/meta/%2e%2e/%2e%2e/signer.json", 404,
     "normalises to /signer.json under DocumentRoot: no such page, never the key"),
    (b"/qnft/uploads/%2e%2e%5c%2e%2e%5cetc%5cpasswd", 404, "backslash traversal: not a name"),
    (b"/qnft/uploads/", 404, "no directory listing"),
    (b"/qnft/uploads/.tmp-abcdef", 404, "temporary names are never published"),
]
for path, status, why, *log in STATIC:
    case("static" + path.decode().replace("/qnft", "", 1)[:60], lambda w, p=path: get(p),
         status, None, why, log=log[0] if log else None)
STATIC_REAL = [
    ("nul-then-html", lambda w: "/qnft/uploads/%s.png%%00.html" % w.image_id,
     "NUL truncation trick: the name is not of the stored form"),
    ("path-info", lambda w: "/qnft/uploads/%s.png/x.html" % w.image_id,
     "PATH_INFO after a stored name is not served"),
    ("uppercase-ext", lambda w: "/qnft/uploads/%s.PNG" % w.image_id, "names are exact"),
    ("other-ext", lambda w: "/qnft/uploads/%s.gif" % w.image_id,
     "the image is stored as .png only: no other type is served for it"),
    ("semicolon-html", lambda w: "/qnft/uploads/%s.png;.html" % w.image_id,
     "';.html' suffix is not the stored name"),
    ("gif-php", lambda w: "/qnft/gifs/%s.gif.php" % w.gif_id, "double extension"),
    ("meta-trailing-space", lambda w: "/qnft/meta/%s.json%%20" % w.mint, "exact names only"),
    ("uploads-uppercase-id", lambda w: "/qnft/uploads/%s.png" % w.image_id.upper(),
     "ids are lower-case hex"),
]
for name, path, why in STATIC_REAL:
    case("static/" + name, lambda w, p=path: get(p(w).encode()), 404, None, why)

# -- 3. bad base58 in every address position -----------------------------------------------

BAD_B58 = [
    ("zero", lambda a: "0" + a[1:]), ("capital-O", lambda a: a[:5] + "O" + a[6:]),
    ("capital-I", lambda a: a[:9] + "I" + a[10:]), ("lower-l", lambda a: a[:-1] + "l"),
    ("31-bytes", lambda a: b58encode(b"\x05" * 31)), ("33-bytes", lambda a: b58encode(b"\x05" * 33)),
    ("leading-1-makes-33", lambda a: "1" + a), ("too-short", lambda a: "2222"),
    ("45-chars", lambda a: "2" * 45), ("fullwidth-digit", lambda a: "\uff12" + a[1:]),
    ("space-inside", lambda a: a[:10] + " " + a[11:]),
]
for name, bad in BAD_B58:
    enc = lambda s: s.encode("utf-8").replace(b" ", b"%20").replace(b"\xef\xbc\x92", b"%ef%bc%92")
    case("mint-status/b58-" + name, lambda w, bad=bad: get(b"/mint_nft/" + enc(bad(ADDR))), 400,
         "bad_mint", "a mint address must be base58 of exactly 32 bytes")
    case("market-nft/b58-" + name, lambda w, bad=bad: get(b"/marketplace/nfts/" + enc(bad(ADDR))),
         400, "bad_mint", "a mint address must be base58 of exactly 32 bytes")
    case("mint/owner-b58-" + name, lambda w, bad=bad: post_json(
        b"/mint_nft", mint_body(w, owner=bad(w.alice.address))), 400, "bad_owner",
        "the owner must be base58 of exactly 32 bytes")
for name, bad in BAD_B58[:6]:
    case("listing/mint-b58-" + name, lambda w, bad=bad: post_json(
        b"/marketplace/listings", dict(w.listing_body, mint=bad(w.mint))), 400, "bad_mint",
        "the listed mint must be base58 of exactly 32 bytes")
    case("listing/seller-b58-" + name, lambda w, bad=bad: post_json(
        b"/marketplace/listings", signed_list(w, w.alice, w.mint, 7, seller=bad(w.alice.address))),
        400, "bad_seller", "the seller must be base58 of exactly 32 bytes")
case("market-list/owner-b58-zero", lambda w: get(b"/marketplace/nfts?owner=0" + ADDR[1:].encode()),
     400, "bad_parameter", "owner filter must be an address")
case("market-list/owner-33-bytes", lambda w: get(
    b"/marketplace/nfts?owner=" + b58encode(b"\x05" * 33).encode()), 400, "bad_parameter",
    "owner filter must decode to 32 bytes")
case("listing/signature-63-bytes", lambda w: post_json(
    b"/marketplace/listings", dict(w.listing_body, signature=b58encode(b"\x07" * 63))), 400,
    "bad_signature_format", "a signature is 64 bytes")
case("listing/signature-65-bytes", lambda w: post_json(
    b"/marketplace/listings", dict(w.listing_body, signature=b58encode(b"\x07" * 65))), 400,
    "bad_signature_format", "a signature is 64 bytes")
case("listing/signature-not-b58", lambda w: post_json(
    b"/marketplace/listings", dict(w.listing_body, signature="0OIl" * 22)), 400,
    "bad_signature_format", "0 O I l are not base58")

# -- 4. JSON bodies: size, nesting, syntax, types ------------------------------------------

JSON_ENDPOINTS = [
    ("mint", lambda w: b"/mint_nft", MINT_MAX),
    ("submit", lambda w: b"/mint_nft/submit", MINT_MAX),
    ("listing", lambda w: b"/marketplace/listings", LISTING_MAX),
    ("delist", lambda w: b"/marketplace/listings/%d/delist" % w.listing_id, LISTING_MAX),
]
for ep, path, limit in JSON_ENDPOINTS:
    P = path
    case(ep + "/giant-json-content-length", lambda w, P=P, n=limit: post_json(
        P(w), b'{"pad":"' + b"x" * n + b'"}'), 413, "too_large",
         "announced body over the endpoint's limit: refused before reading")
    case(ep + "/giant-json-chunked", lambda w, P=P, n=limit: req(
        b"POST", P(w), b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
        b"".join(b"400\r\n" + b" " * 1024 + b"\r\n" for _ in range(n // 1024 + 2)) + b"0\r\n\r\n",
        cl=False), 413, "too_large", "no length announced: counted while streaming")
    case(ep + "/10k-open-brackets", lambda w, P=P: post_json(P(w), b"[" * 10000), 413,
         "too_large", "10k '[' is over the body limit: the size is refused first")
    case(ep + "/deep-nesting-under-limit", lambda w, P=P, n=limit: post_json(
        P(w), b"[" * (n // 2 - 8) + b"]" * (n // 2 - 8)), 400, "bad_json",
         "nesting far deeper than any request: refused before jansson recurses")
    case(ep + "/nested-9-objects", lambda w, P=P: post_json(
        P(w), b'{"a":' * 9 + b"1" + b"}" * 9), 400, "bad_json", "deeper than 8 levels")
    case(ep + "/duplicate-keys", lambda w, P=P: post_json(
        P(w), b'{"mint":"%s","mint":"%s"}' % (w.mint.encode(), ADDR.encode())), 400, "bad_json",
         "duplicate keys are ambiguous (which one was signed?)")
    case(ep + "/nan", lambda w, P=P: post_json(P(w), b'{"price_lamports": NaN}'), 400, "bad_json",
         "NaN is not JSON")
    case(ep + "/infinity", lambda w, P=P: post_json(P(w), b'{"expires_at": -Infinity}'), 400,
         "bad_json", "Infinity is not JSON")
    case(ep + "/huge-integer", lambda w, P=P: post_json(
        P(w), b'{"price_lamports": 123456789012345678901234567890}'), 400, "bad_json",
         "an integer beyond 64 bits cannot be taken as written")
    case(ep + "/real-overflow", lambda w, P=P: post_json(P(w), b'{"expires_at": 1e999999}'), 400,
         "bad_json", "a number that overflows a double")
    case(ep + "/nul-in-string", lambda w, P=P: post_json(P(w), b'{"nonce":"abcdefgh\\u0000x"}'),
         400, "bad_json", "NUL inside a string would truncate it in C")
    case(ep + "/invalid-utf8", lambda w, P=P: post_json(P(w), b'{"nonce":"\xff\xfe\xc0\xaf"}'), 400,
         "bad_json", "JSON text is UTF-8")
    case(ep + "/top-level-array", lambda w, P=P: post_json(P(w), b"[]"), 400, "bad_json",
         "the body must be an object")
    case(ep + "/trailing-garbage", lambda w, P=P: post_json(P(w), b"{} {}"), 400, "bad_json",
         "one JSON text only")
    case(ep + "/empty-body", lambda w, P=P: post_json(P(w), b""), 400, "bad_json", "no JSON at all")
    case(ep + "/text-plain", lambda w, P=P: post_json(P(w), b"{}", ctype=b"text/plain"), 415,
         "unsupported_content_type", "JSON endpoints take application/json only")
    case(ep + "/form-urlencoded", lambda w, P=P: post_json(
        P(w), b"mint=x", ctype=b"application/x-www-form-urlencoded"), 415,
         "unsupported_content_type", "a form post (what a cross-site form can send) is refused")
    case(ep + "/no-content-type", lambda w, P=P: req(b"POST", P(w), b"", b"{}"), 415,
         "unsupported_content_type", "no declared type")
    case(ep + "/json-prefix-type", lambda w, P=P: post_json(P(w), b"{}",
                                                            ctype=b"application/jsonp"), 415,
         "unsupported_content_type", "'application/jsonp' is not application/json")
    case(ep + "/truncated-body", lambda w, P=P: req(
        b"POST", P(w), b"Content-Type: application/json\r\nContent-Length: 500\r\n",
        b'{"mint":', cl=False), 400, "bad_body",
         "the client promised 500 bytes and closed after 8", shut_wr=True)

case("mint/utf16-charset-body", lambda w: post_json(
    b"/mint_nft", json.dumps(mint_body(w)).encode("utf-16"),
    ctype=b"application/json; charset=utf-16"), 415, "unsupported_content_type",
    "JSON is UTF-8 only (RFC 8259 8.1): a declared other charset cannot be honoured")
case("mint/obs-fold-content-type", lambda w: req(
    b"POST", b"/mint_nft", b"Content-Type: application/\r\n json\r\n", b"{}"), 415,
    "unsupported_content_type", "obs-fold joins to 'application/ json', which is not JSON's type")

# -- 5. /mint_nft fields -------------------------------------------------------------------

MINT_FIELDS = [
    ("image-id-traversal", {"image_id": "../../uploads/" + HEX}, "bad_image_id"),
    ("image-id-uppercase", {"image_id": HEX.upper()}, "bad_image_id"),
    ("image-id-with-ext", {"image_id": HEX + ".png"}, "bad_image_id"),
    ("image-id-number", {"image_id": 12345}, "bad_image_id"),
    ("image-id-array", {"image_id": [HEX]}, "bad_image_id"),
    ("image-id-missing", {"image_id": DROP}, "bad_image_id"),
    ("gif-id-traversal", {"gif_id": "..%2f..%2fgifs%2f" + HEX}, "bad_gif_id"),
    ("gif-id-63-hex", {"gif_id": HEX[:63]}, "bad_gif_id"),
    ("mint-type-uppercase", {"mint_type": "LONG"}, "bad_mint_type"),
    ("mint-type-null", {"mint_type": None}, "bad_mint_type"),
    ("owner-number", {"owner": 12345}, "bad_owner"),
    ("owner-empty", {"owner": ""}, "bad_owner"),
    ("description-501", {"user_description": "x" * 501}, "bad_description"),
    ("description-object", {"user_description": {"a": 1}}, "bad_description"),
    ("sign-capitalised", {"sign": "Server"}, "bad_sign"),
]
for name, change, code in MINT_FIELDS:
    case("mint/" + name, lambda w, c=change: post_json(b"/mint_nft", mint_body(w, **c)), 400, code,
         "each field of exactly its form, checked before anything is read or written")
for name, key, code in [("idem-key-traversal", b"../../etc/x", "bad_idempotency_key"),
                        ("idem-key-129", b"k" * 129, "bad_idempotency_key"),
                        ("idem-key-empty", b"", "bad_idempotency_key"),
                        ("idem-key-utf8", "cl\u00e9".encode(), "bad_idempotency_key")]:
    case("mint/" + name, lambda w, k=key: post_json(
        b"/mint_nft", mint_body(w), headers=b"Idempotency-Key: " + k + b"\r\n"), 400, code,
        "Idempotency-Key: 1 to 128 of A-Z a-z 0-9 - _ . :")
case("mint/gif-id-is-the-image-id", lambda w: post_json(b"/mint_nft", mint_body(w, gif_id=w.image_id)),
     404, "gif_not_found", "a well-formed id that names no GIF of this image")
case("mint/gif-of-another-image", lambda w: post_json(
    b"/mint_nft", mint_body(w, gif_id=w.other_gif_id)), 404, "gif_not_found",
    "mixing ids: the GIF exists but was made from another image")
case("mint/unfunded-wallet", lambda w: post_json(b"/mint_nft", mint_body(
    w, owner=Wallet().address, sign="wallet")), 402, "insufficient_balance",
    "the owner pays a wallet-signed mint and has no lamports: 402, nothing kept")
case("mint/post-to-a-mint-address", lambda w: post_json(
    b"/mint_nft/" + ADDR.encode(), mint_body(w, owner="x")), 405, "method_not_allowed",
    "/mint_nft/<mint> is the status resource: GET only",
    then=lambda w, r: r.header("allow") == "GET" or pytest.fail("Allow: " + r.header("allow")))

# -- 6. /mint_nft/submit -------------------------------------------------------------------

SUBMIT = [
    ("no-transaction", lambda w: {"mint": ADDR}, 400, "bad_request", "both fields are required"),
    ("no-mint", lambda w: {"transaction": b64(legacy_tx())}, 400, "bad_request", "both required"),
    ("transaction-number", lambda w: {"mint": ADDR, "transaction": 5}, 400, "bad_request",
     "the transaction is base64 text"),
    ("not-base64", lambda w: {"mint": ADDR, "transaction": "!!!!"}, 400, "bad_transaction",
     "not base64"),
    ("empty-transaction", lambda w: {"mint": ADDR, "transaction": ""}, 400, "bad_transaction",
     "empty"),
    ("versioned-message", lambda w: {"mint": ADDR, "transaction": b64(
        b"\x01" + b"\x00" * 64 + b"\x80" + legacy_tx()[65:])}, 400, "bad_transaction",
     "only legacy messages are prepared here"),
    ("huge-signature-count", lambda w: {"mint": ADDR, "transaction": b64(
        b"\xff\xff\x03" + b"\x00" * 200)}, 400, "bad_transaction",
     "65535 signatures announced, 200 bytes given: refused before allocating"),
    ("shortvec-alias", lambda w: {"mint": ADDR, "transaction": b64(
        b"\x81\x00" + legacy_tx()[1:])}, 400, "bad_transaction",
     "a shortvec with a redundant byte is an alias encoding"),
    ("over-1232-bytes", lambda w: {"mint": ADDR, "transaction": b64(legacy_tx() + b"\x00" * 1300)},
     400, "bad_transaction", "no validator takes a transaction over 1232 bytes"),
    ("mint-traversal", lambda w: {"mint": "../../meta/" + ADDR, "transaction": b64(legacy_tx())},
     404, "not_prepared", "the mint is only a lookup key (bound parameter): nothing prepared"),
    ("unknown-mint", lambda w: {"mint": ADDR, "transaction": b64(legacy_tx())}, 404, "not_prepared",
     "a well-formed transaction for a mint nobody prepared"),
    ("prepared-but-unsigned", lambda w: {"mint": w.prepared["mint"],
                                         "transaction": w.prepared["transaction"]},
     400, "bad_signatures", "the owner's signature slot is still empty"),
    ("prepared-but-changed", lambda w: {"mint": w.prepared["mint"], "transaction": b64(
        base64.b64decode(w.prepared["transaction"])[:-1]
        + bytes([base64.b64decode(w.prepared["transaction"])[-1] ^ 1]))},
     400, "transaction_changed", "one byte of the prepared message changed"),
]
for name, body, status, code, why in SUBMIT:
    case("submit/" + name, lambda w, b=body: post_json(b"/mint_nft/submit", b(w)), status, code, why)

# -- 7. listings and delisting -------------------------------------------------------------

LISTING_FIELDS = [
    ("mint-traversal", {"mint": "../../../etc/passwd"}, "bad_mint"),
    ("mint-number", {"mint": 42}, "bad_mint"),
    ("price-zero", {"price_lamports": 0}, "bad_price"),
    ("price-negative", {"price_lamports": -5}, "bad_price"),
    ("price-string", {"price_lamports": "1500000000"}, "bad_price"),
    ("price-fraction", {"price_lamports": 1.5}, "bad_price"),
    ("price-exponent", {"price_lamports": 1e9}, "bad_price"),
    ("price-bool", {"price_lamports": True}, "bad_price"),
    ("nonce-7-chars", {"nonce": "abcdefg"}, "bad_nonce"),
    ("nonce-65-chars", {"nonce": "n" * 65}, "bad_nonce"),
    ("nonce-traversal", {"nonce": "../../../x"}, "bad_nonce"),
    ("nonce-unicode", {"nonce": "n\u00f6nce-123"}, "bad_nonce"),
    ("nonce-number", {"nonce": 123456789}, "bad_nonce"),
    ("expires-string", {"expires_at": "tomorrow"}, "bad_expires_at"),
    ("expires-fraction", {"expires_at": 1.5}, "bad_expires_at"),
]
for name, change, code in LISTING_FIELDS:
    case("listing/" + name, lambda w, c=change: post_json(
        b"/marketplace/listings", dict(w.listing_body, **c)), 400, code,
        "each field of exactly its form, checked before the signature and the database")
case("listing/price-2-pow-63", lambda w: post_json(
    b"/marketplace/listings", json.dumps(w.listing_body).replace(
        '"price_lamports": 1500000000', '"price_lamports": 9223372036854775808').encode()),
    400, "bad_json", "beyond int64: refused, never wrapped to a negative price")
case("listing/expired", lambda w: post_json(
    b"/marketplace/listings", signed_list(w, w.alice, w.mint, 7, expires_in=-10)), 422, "expired",
    "a signed message past its expiry")
case("listing/expiry-too-far", lambda w: post_json(
    b"/marketplace/listings", signed_list(w, w.alice, w.mint, 7, expires_in=7200)), 422,
    "expiry_too_far", "at most one hour ahead")
case("listing/expiry-int64-max", lambda w: post_json(
    b"/marketplace/listings", dict(signed_list(w, w.alice, w.mint, 7),
                                   expires_at=9223372036854775807)), 422, "expiry_too_far",
    "the largest int64: no overflow in now + TTL")
case("listing/signed-by-someone-else", lambda w: post_json(
    b"/marketplace/listings", signed_list(w, w.alice, w.mint, 7, signer=w.mallory)), 401,
    "bad_signature", "mallory signs a message that claims alice as the seller")
case("listing/price-changed-after-signing", lambda w: post_json(
    b"/marketplace/listings", dict(signed_list(w, w.alice, w.mint, 7), price_lamports=1)), 401,
    "bad_signature", "the price is part of the signed text")
case("listing/signed-for-another-domain", lambda w: post_json(
    b"/marketplace/listings", dict(w.listing_body, signature=w.alice.sign(listing_text(
        "https://evil.example", "list", w.mint, w.alice.address, w.listing_body["nonce"],
        w.listing_body["expires_at"], price=w.listing_body["price_lamports"])))), 401,
    "bad_signature", "a signature made for another marketplace is not valid here")
case("listing/not-the-owner", lambda w: post_json(
    b"/marketplace/listings", signed_list(w, w.mallory, w.mint, 7)), 403, "not_owner",
    "mallory signs correctly as herself, but the NFT is alice's")
case("listing/unknown-mint", lambda w: post_json(
    b"/marketplace/listings", signed_list(w, w.alice, ADDR, 7)), 404, "nft_not_found",
    "a valid signature over a mint nobody minted here")
case("listing/replayed", lambda w: post_json(b"/marketplace/listings", w.listing_body), 409,
     "nonce_used", "the exact signed message that created the listing, sent again")
case("listing/already-listed-fresh-nonce", lambda w: post_json(
    b"/marketplace/listings", signed_list(w, w.alice, w.mint, 9)), 409, "already_listed",
    "a second listing of a listed NFT; README: the nonce is spent all the same",
    allow={"listing_nonces": 1})

DELIST_IDS = [
    ("zero", b"0"), ("negative", b"-1"), ("exponent", b"1e3"), ("plus-sign", b"%2B1"),
    ("leading-space", b"%201"), ("letters", b"abc"), ("int64-overflow", b"99999999999999999999"),
    ("arabic-indic-digit", b"%d9%a1"), ("decimal", b"1.0"), ("hex", b"0x1"),
]
for name, ident in DELIST_IDS:
    case("delist-id/" + name, lambda w, i=ident: req(
        b"POST", b"/marketplace/listings/" + i + b"/delist", b"Content-Type: application/json\r\n",
        b"{}"), 400, "bad_listing_id", "a listing id is a positive decimal integer, nothing else")
case("delist/signed-by-someone-else", lambda w: post_json(
    b"/marketplace/listings/%d/delist" % w.listing_id, dict(
        signed_delist(w, w.mallory, w.listing_id, w.mint), seller=w.alice.address)), 401,
    "bad_signature", "mallory signs a delist that claims alice as the seller")
case("delist/not-the-owner", lambda w: post_json(
    b"/marketplace/listings/%d/delist" % w.listing_id,
    signed_delist(w, w.mallory, w.listing_id, w.mint)), 403, "not_owner",
    "a valid signature, but by someone who does not own the listing")
case("delist/expired", lambda w: post_json(
    b"/marketplace/listings/%d/delist" % w.listing_id,
    signed_delist(w, w.alice, w.listing_id, w.mint, expires_in=-5)), 422, "expired",
    "the owner's own message, past its expiry")
case("delist/unknown-listing", lambda w: post_json(
    b"/marketplace/listings/987654321/delist", signed_delist(w, w.alice, 987654321, w.mint)), 404,
    "listing_not_found", "no listing with this id")
case("delist/wrong-mint-in-signature", lambda w: post_json(
    b"/marketplace/listings/%d/delist" % w.listing_id,
    signed_delist(w, w.alice, w.listing_id, ADDR)), 401, "bad_signature",
    "the mint comes from the listing, so a message naming another mint does not verify")

# -- 8. query parameters -------------------------------------------------------------------

QUERIES = [
    (b"/marketplace/nfts?limit=0", "bad_parameter", "limit is 1..100"),
    (b"/marketplace/nfts?limit=101", "bad_parameter", "limit is 1..100"),
    (b"/marketplace/nfts?limit=1e2", "bad_parameter", "whole decimal numbers only"),
    (b"/marketplace/nfts?limit=%00", "bad_parameter", "NUL in a value"),
    (b"/marketplace/nfts?limit=%zz", "bad_parameter", "broken %-escape"),
    (b"/marketplace/nfts?limit=5&limit=6", "bad_parameter", "a parameter given twice"),
    (b"/marketplace/nfts?sort=random", "bad_parameter", "unknown order"),
    (b"/marketplace/nfts?sort=newest;DROP%20TABLE%20nfts", "bad_parameter", "SQL in a value"),
    (b"/marketplace/nfts?unknown=1", "bad_parameter", "unknown parameters are refused"),
    (b"/marketplace/nfts?listed=yes", "bad_parameter", "true or false only"),
    (b"/marketplace/nfts?mint_type=long%00short", "bad_parameter", "NUL in a value"),
    (b"/marketplace/nfts?cursor=s-1", "bad_parameter", "negative serial"),
    (b"/marketplace/nfts?cursor=s99999999999999999999", "bad_parameter", "serial beyond int64"),
    (b"/marketplace/nfts?sort=price_asc&cursor=s5", "bad_parameter", "cursor of another order"),
    (b"/marketplace/nfts?sort=price_asc&cursor=p1.", "bad_parameter", "half a price cursor"),
    (b"/chart/price_data?time_range_hours=0", "bad_time_range", "1..2160 hours"),
    (b"/chart/price_data?time_range_hours=2161", "bad_time_range", "1..2160 hours"),
    (b"/chart/price_data?time_range_hours=-1", "bad_time_range", "negative"),
    (b"/chart/price_data?time_range_hours=1e3", "bad_time_range", "digits only"),
    (b"/chart/price_data?time_range_hours=%00", "bad_time_range", "NUL"),
    (b"/chart/price_data?time_range_hours=99999999999999999999", "bad_time_range", "overflow"),
    (b"/chart/price_data?time_range_hours=", "bad_time_range", "empty"),
    (b"/chart/price_data?time_range_hours=%2B5", "bad_time_range", "a sign is not a digit"),
    (b"/chart/price_data?time_range_hours=%EF%BC%92%EF%BC%94", "bad_time_range",
     "fullwidth digits are not ASCII digits"),
    (b"/chart/price_data?time_range_hours=24&time_range_hours=0", "bad_time_range",
     "every occurrence is checked"),
]
for path, code, why in QUERIES:
    case("query" + path.decode()[:70], lambda w, p=path: get(p), 400, code, why)
for style in (b"DEFAULT", b"%00", b"%zz", b"..%2f..%2fetc", b"noise%00", b"noise&style=bogus"):
    case("gif-style/" + style.decode(), lambda w, s=style: get(
        b"/generate_gif/" + w.image_id.encode() + b"?style=" + s), 400, "unknown_style",
        "styles are matched exactly; every style parameter is checked")
case("gif-id/uppercase", lambda w: get(b"/generate_gif/" + w.image_id.upper().encode()), 400,
     "bad_image_id", "ids are lower-case hex, exactly")
case("gif-id/with-extension", lambda w: get(b"/generate_gif/" + w.image_id.encode() + b".png"),
     400, "bad_image_id", "the id alone, no file name")
case("gif-id/semicolon-param", lambda w: get(b"/generate_gif/" + w.image_id.encode() + b";x"),
     400, "bad_image_id", "path parameters are not stripped into a valid id")

# -- 9. methods ----------------------------------------------------------------------------

for method, path, allow in [(b"GET", b"/upload_image", "POST"), (b"PUT", b"/upload_image", "POST"),
                            (b"DELETE", b"/marketplace/nfts", "GET"),
                            (b"POST", b"/generate_gif/" + HEX.encode(), "GET"),
                            (b"PUT", b"/chart/price_data", "GET"),
                            (b"GET", b"/marketplace/listings", "POST"),
                            (b"PATCH", b"/mint_nft/submit", "POST"),
                            (b"FOO", b"/mint_nft", "POST"),
                            (b"POST", b"/studio", "GET")]:
    case("method/%s-%s" % (method.decode(), path.decode()[:30]),
         lambda w, m=method, p=path: req(m, p, b"Content-Length: 0\r\n" if m != b"GET" else b""),
         405, "method_not_allowed", "each endpoint takes one method; Allow names it",
         then=lambda w, r, a=allow: r.header("allow") == a or pytest.fail("Allow: %s" % r.header("allow")))

# -- 10. HTTP framing and header tricks ----------------------------------------------------

JSON_CT = b"Content-Type: application/json\r\n"
MP_CT = b"Content-Type: multipart/form-data; boundary=bb\r\n"
case("header/expect-100-giant-upload", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"Expect: 100-continue\r\nContent-Length: 50000000\r\n", b"",
    cl=False), 413, "too_large", "refused from the announced length, before 100 Continue",
    then=lambda w, r: r.interim == [] or pytest.fail("sent %s first" % r.interim))
case("header/expect-100-giant-json", lambda w: req(
    b"POST", b"/mint_nft", JSON_CT + b"Expect: 100-continue\r\nContent-Length: 9000\r\n", b"",
    cl=False), 413, "too_large", "refused from the announced length, before 100 Continue",
    then=lambda w, r: r.interim == [] or pytest.fail("sent %s first" % r.interim))
case("header/giant-upload-content-length", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"Content-Length: %d\r\n" % (UPLOAD_MAX + 20000), b"",
    cl=False), 413, "too_large", "over the upload limit plus framing: refused unread")
case("header/te-chunked-overrides-cl", lambda w: req(
    b"POST", b"/mint_nft", JSON_CT + b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
    b"2\r\n[]\r\n0\r\n\r\n", cl=False), 400, "bad_json",
    "with both, chunked wins (RFC 7230 3.3.3): the body is '[]', not an object")
case("header/chunked-bad-size-json", lambda w: req(
    b"POST", b"/mint_nft", JSON_CT + b"Transfer-Encoding: chunked\r\n",
    b"zz\r\n{}\r\n0\r\n\r\n", cl=False), 400, "bad_body", "an invalid chunk size: malformed body",
    bug=BODY_FILTER_BUG)
case("header/chunked-size-overflow-upload", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"Transfer-Encoding: chunked\r\n",
    b"ffffffffffffffffff\r\nxx\r\n0\r\n\r\n", cl=False), 413, "too_large",
    "a chunk larger than any upload limit", bug=BODY_FILTER_BUG)
case("header/chunked-giant-upload", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"Transfer-Encoding: chunked\r\n",
    b"%x\r\n" % 100 + (b"--bb\r\nContent-Disposition: form-data; name=\"file\"; "
                       b"filename=\"b.png\"\r\n\r\n" + PNG_SIG).ljust(100, b"\x00") + b"\r\n"
    + (b"100000\r\n" + b"\x00" * 0x100000 + b"\r\n") * 11 + b"0\r\n\r\n", cl=False),
    413, "too_large", "no length announced: counted while streaming, refused past the limit")
case("header/truncated-upload", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"Content-Length: 5000\r\n",
    b"--bb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n" + PNG_SIG,
    cl=False), 400, "bad_body", "the client closes before the promised length", shut_wr=True)
case("header/content-length-short", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"Content-Length: 40\r\n",
    mp_body([file_part(png(seed=3))]), cl=False), 400, "bad_multipart",
    "only the announced 40 bytes are the body; the rest is not read as part of it")
case("header/http10-no-length", lambda w: req(
    b"POST", b"/upload_image", MP_CT, mp_body([file_part(png(seed=3))]), cl=False,
    proto=b"HTTP/1.0"), 400, "bad_multipart",
    "HTTP/1.0 without Content-Length has no body: the multipart is empty")
CORE_FRAMING = [
    ("content-length-negative", b"Content-Length: -1\r\n", "not a length"),
    ("content-length-plus", b"Content-Length: +2\r\n", "digits only"),
    ("content-length-hex", b"Content-Length: 0x2\r\n", "digits only"),
    ("content-length-two-values", b"Content-Length: 2\r\nContent-Length: 3\r\n",
     "conflicting lengths: request smuggling"),
    ("content-length-overflow", b"Content-Length: 99999999999999999999999\r\n", "overflow"),
    ("transfer-encoding-identity", b"Transfer-Encoding: identity\r\n", "unknown coding"),
    ("header-10kb", b"X-Big: " + b"a" * 10000 + b"\r\n", "over LimitRequestFieldSize"),
    ("150-headers", b"".join(b"X-H%d: v\r\n" % i for i in range(150)), "over LimitRequestFields"),
    ("nul-in-header", b"X-A: a\x00b\r\n", "NUL in a field value"),
    ("space-before-colon", b"Content-Length : 2\r\n", "whitespace before ':' (smuggling)"),
]
for name, hdr, why in CORE_FRAMING:
    case("framing/" + name, lambda w, h=hdr: req(b"POST", b"/mint_nft", JSON_CT + h, b"{}", cl=False)
         if b"Length" in h else req(b"POST", b"/mint_nft", JSON_CT + h, b"{}"),
         400, None, why + ": the message is not valid HTTP; httpd refuses it before routing")
case("framing/bare-lf", lambda w: b"POST /mint_nft HTTP/1.1\nHost: 127.0.0.1\nContent-Type: "
     b"application/json\nContent-Length: 2\nConnection: close\n\n{}", 400, None,
     "bare LF line ends: not HTTP/1.1 (strict parsing)")
case("framing/no-host", lambda w: req(b"GET", b"/marketplace/nfts", host=False), 400, None,
     "HTTP/1.1 requires Host")
case("framing/host-traversal", lambda w: b"GET /marketplace/nfts HTTP/1.1\r\nHost: ../../etc\r\n"
     b"Connection: close\r\n\r\n", 400, None, "a Host that is not a host name")
case("framing/9kb-request-line", lambda w: get(b"/generate_gif/" + b"a" * 9000), 414, None,
     "over LimitRequestLine")

# -- 10b. cross-site writes: Origin and Referer tricks on every state-changing endpoint --

CSRF_WRITES = [
    ("upload", lambda w, h: req(b"POST", b"/upload_image", MP_CT + h,
                                mp_body([file_part(png(seed=40))]))),
    ("mint", lambda w, h: post_json(b"/mint_nft", mint_body(w), headers=h)),
    ("submit", lambda w, h: post_json(b"/mint_nft/submit", {
        "mint": w.prepared["mint"], "transaction": w.prepared["transaction"]}, headers=h)),
    ("listing", lambda w, h: post_json(b"/marketplace/listings",
                                       signed_list(w, w.alice, w.mint, 11), headers=h)),
    ("delist", lambda w, h: post_json(b"/marketplace/listings/%d/delist" % w.listing_id,
                                      signed_delist(w, w.alice, w.listing_id, w.mint), headers=h)),
]
CSRF_TRICKS = [
    ("origin-suffix-domain", lambda w: b"Origin: http://127.0.0.1:%d.evil.example\r\n"
     % w.env.httpd.port, "our host:port as the prefix of another name"),
    ("origin-userinfo", lambda w: b"Origin: http://evil.example@127.0.0.1:%d\r\n"
     % w.env.httpd.port, "userinfo is never part of an origin"),
    ("two-origins", lambda w: b"Origin: http://127.0.0.1:%d\r\nOrigin: https://evil.example\r\n"
     % w.env.httpd.port, "two Origin headers merge into a list, which is no origin"),
    ("referer-javascript", lambda w: b"Referer: javascript:alert(1)\r\n",
     "without Origin the Referer decides; a javascript: URL has no origin"),
    ("referer-suffix-domain", lambda w: b"Referer: http://127.0.0.1:%d.evil.example/page\r\n"
     % w.env.httpd.port, "a Referer from a look-alike name"),
]
for ep, make in CSRF_WRITES:
    for name, hdr, why in CSRF_TRICKS:
        case("csrf-%s/%s" % (ep, name), lambda w, m=make, h=hdr: m(w, h(w)), 403, "cross_origin",
             why + ": refused before the body is read, nothing written")
case("csrf-upload/x-requested-with-empty", lambda w: req(
    b"POST", b"/upload_image", MP_CT + b"X-Requested-With: \r\n",
    mp_body([file_part(png(seed=41))]), xrw=False), 403, "csrf_header_missing",
    "the anti-CSRF header must have a value")
case("csrf-upload/x-requested-with-missing-same-origin", lambda w: req(
    b"POST", b"/upload_image", b"Host: 127.0.0.1:%d\r\nOrigin: http://127.0.0.1:%d\r\n"
    % (w.env.httpd.port, w.env.httpd.port) + MP_CT, mp_body([file_part(png(seed=41))]),
    xrw=False, host=False), 403, "csrf_header_missing",
    "a form post from our own origin still needs the header (a plain HTML form cannot set it)")

# -- 11. uploads: Content-Type and multipart structure ------------------------------------

GOOD_PART = lambda: mp_body([file_part(png(seed=3))])
CT_CASES = [
    ("none", None, 415, "unsupported_content_type", "no type"),
    ("json", b"application/json", 415, "unsupported_content_type", "not multipart"),
    ("text-plain", b"text/plain", 415, "unsupported_content_type", "not multipart"),
    ("multipart-mixed", b"multipart/mixed; boundary=bb", 415, "unsupported_content_type",
     "multipart, but not form-data"),
    ("form-dataX", b"multipart/form-dataX; boundary=bb", 415, "unsupported_content_type",
     "a longer type is another type"),
    ("no-boundary", b"multipart/form-data", 400, "bad_multipart", "form-data without boundary"),
    ("empty-boundary", b"multipart/form-data; boundary=", 400, "bad_multipart", "empty boundary"),
    ("boundary-71-chars", b"multipart/form-data; boundary=" + b"a" * 71, 400, "bad_multipart",
     "RFC 2046: at most 70 characters"),
    ("two-boundaries", b"multipart/form-data; boundary=bb; boundary=cc", 400, "bad_multipart",
     "two boundaries are ambiguous"),
    ("boundary-bad-char", b'multipart/form-data; boundary="a@b"', 400, "bad_multipart",
     "'@' is not a boundary character"),
    ("boundary-ends-in-space", b'multipart/form-data; boundary="ab "', 400, "bad_multipart",
     "a boundary may not end in a space"),
]
for name, ctype, status, code, why in CT_CASES:
    case("upload-ctype/" + name, lambda w, c=ctype: upload_raw(c, GOOD_PART()), status, code, why)
case("upload-ctype/duplicate-header", lambda w: upload_raw(
    b"multipart/form-data; boundary=bb", GOOD_PART(), b"Content-Type: text/plain\r\n"), 400,
    "bad_multipart", "two Content-Type headers merge into one with no valid boundary")

MP = b"multipart/form-data; boundary=bb"
PNGD = lambda: png(seed=3)
MULTIPART = [
    ("boundary-mismatch", lambda: mp_body([file_part(PNGD())], boundary=b"cc"), "bad_multipart",
     "the body never uses the announced boundary"),
    ("no-closing-delimiter", lambda: mp_body([file_part(PNGD())], close=False), "bad_multipart",
     "truncated multipart"),
    ("lf-only-framing", lambda: mp_body([file_part(PNGD())]).replace(b"\r\n", b"\n"),
     "bad_multipart", "multipart lines end in CRLF"),
    ("part-headers-9kb", lambda: mp_body([(b"X-Pad: " + b"a" * 9000 + b"\r\n"
                                          + file_part(PNGD())[0], PNGD())]),
     "bad_multipart", "part headers over 8 KiB"),
    ("40-parts", lambda: mp_body([(b'Content-Disposition: form-data; name="f%d"' % i, b"x")
                                  for i in range(40)] + [file_part(PNGD())]),
     "bad_multipart", "more than 32 parts"),
    ("nul-in-filename", lambda: mp_body([file_part(PNGD(), b"a.png\x00.html")]), "bad_multipart",
     "NUL is not allowed in a quoted-string"),
    ("disposition-attachment", lambda: mp_body([(b'Content-Disposition: attachment; name="file"; '
                                                 b'filename="a.png"', PNGD())]),
     "bad_multipart", "RFC 7578: each part is form-data"),
    ("duplicate-name-param", lambda: mp_body([(b'Content-Disposition: form-data; name="x"; '
                                               b'name="file"; filename="a.png"', PNGD())]),
     "bad_multipart", "which name? ambiguous"),
    ("delimiter-with-junk", lambda: mp_body([file_part(PNGD() + b"\r\n--bbX\r\n")]),
     "bad_multipart", "a delimiter line followed by junk (RFC 2046: the delimiter must not occur "
                      "inside a part)"),
    ("no-disposition", lambda: mp_body([(b"Content-Type: image/png", PNGD())]), "no_file_part",
     "a part without Content-Disposition has no name"),
    ("field-FILE-uppercase", lambda: mp_body([file_part(PNGD(), name=b"FILE")]), "no_file_part",
     "field names are case-sensitive"),
    ("filename-star-only", lambda: mp_body([(b"Content-Disposition: form-data; name=\"file\"; "
                                             b"filename*=UTF-8''..%2F..%2Fx.png", PNGD())]),
     "no_file_part", "RFC 7578 4.2: filename* is not used; without filename it is a text field"),
    ("text-field-named-file", lambda: mp_body([(b'Content-Disposition: form-data; name="file"',
                                                PNGD())]),
     "no_file_part", "a plain field named 'file' is not a file part"),
    ("empty-filename", lambda: mp_body([file_part(PNGD(), b"")]), "no_selected_file",
     "a form submitted with no file chosen"),
    ("empty-file", lambda: mp_body([file_part(b"")]), "empty_file", "zero bytes"),
    ("two-files", lambda: mp_body([file_part(PNGD()), file_part(png(seed=4), b"b.png")]),
     "too_many_files", "exactly one file"),
]
for name, body, code, why in MULTIPART:
    case("multipart/" + name, lambda w, b=body: upload_raw(MP, b()), 400, code, why)

# -- 12. uploads that are not images, or not sound ones -----------------------------------

NOT_IMAGES = [
    ("html", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    ("svg-script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("php", b"<?php system($_GET['c']); ?>"),
    ("pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
    ("zip", b"PK\x03\x04" + b"\x00" * 40),
    ("elf", b"\x7fELF\x02\x01\x01" + b"\x00" * 40),
    ("tiff", b"II*\x00" + b"\x00" * 40),
    ("bmp", b"BM" + b"\x00" * 60),
    ("ico", b"\x00\x00\x01\x00\x01\x00\x10\x10" + b"\x00" * 40),
    ("riff-avi", b"RIFF\x04\x00\x00\x00AVI LIST" + b"\x00" * 20),
    ("gif87-without-a", b"GIF87" + b"x" * 40),
    ("html-then-png", b"<html><body>" + png(seed=9)),
    ("three-bytes", b"abc"),
]
for name, data in NOT_IMAGES:
    case("not-image/" + name, lambda w, d=data: upload_req(d, b"x.png", b"image/png"), 415,
         "unsupported_type", "the type comes from the bytes, never the name or part type")

CORRUPT_HEADERS = [
    ("png-signature-only", PNG_SIG, "a PNG signature and nothing else"),
    ("gif-signature-only", b"GIF89a", "a GIF signature and nothing else"),
    ("jpeg-soi-only", b"\xff\xd8\xff", "a JPEG start and nothing else"),
    ("webp-riff-only", b"RIFF\x04\x00\x00\x00WEBP", "a WebP RIFF header and nothing else"),
    ("png-zero-width", png_raw(0, 10), "zero width"),
    ("png-zero-height", png_raw(10, 0), "zero height"),
    ("png-width-2-pow-31", png_raw(2**31, 1), "PNG dimensions stop at 2^31-1"),
    ("png-bad-depth", png_raw(10, 10, depth=4, color=2), "RGB at 4 bits does not exist"),
    ("png-ihdr-not-first", PNG_SIG + chunk(b"tEXt", b"a\x00b") + png_raw(4, 4)[8:],
     "IHDR must be the first chunk"),
    ("gif-zero-screen", gif_raw(0, 0, [(0, 0, 1, 1)]), "zero logical screen"),
    ("gif-zero-frame", gif_raw(10, 10, [(0, 0, 0, 0)]), "a zero-size frame"),
    ("gif-js-polyglot", b"GIF89a/*\x00\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff*/=alert(1);//\x3b",
     "GIF/JavaScript polyglot header: '/*' as width, height 0"),
    ("jpeg-zero-width", jpeg_sof(0, 100), "zero width"),
    ("webp-vp8-zero", webp_vp8(0, 0), "zero size"),
]
for name, data, why in CORRUPT_HEADERS:
    case("corrupt-header/" + name, lambda w, d=data: upload_req(d), 400, "corrupt_image",
         why + ": the header is not sound")

PIXEL_BOMBS = [
    ("png-20000-squared-real", png_bomb, "a complete 1-bit PNG of 400 megapixels, 50 KB on the wire"),
    ("png-100000-squared-header", lambda: png_raw(100000, 100000), "10 gigapixels declared"),
    ("png-1-by-2-pow-31-minus-1", lambda: png_raw(1, 2**31 - 1), "a 1-pixel-wide strip of 2^31-1"),
    ("gif-screen-65535-squared", lambda: gif_raw(65535, 65535, [(0, 0, 1, 1)]), "screen 4 Gpx"),
    ("gif-frame-65535-squared", lambda: gif_raw(10, 10, [(0, 0, 65535, 65535)]),
     "a small screen but a frame of 4 Gpx"),
    ("gif-frame-far-offset", lambda: gif_raw(10, 10, [(60000, 60000, 10, 10)]),
     "a 10 x 10 frame placed at 60000,60000"),
    ("gif-second-frame-huge", lambda: gif_raw(10, 10, [(0, 0, 10, 10), (0, 0, 60000, 60000)]),
     "only the second frame is huge"),
    ("jpeg-65500-squared", lambda: jpeg_sof(65500, 65500), "a JPEG frame of 4.3 Gpx"),
    ("webp-vp8x-canvas", lambda: webp_vp8x(16383, 16383), "extended WebP canvas of 268 Mpx"),
    ("webp-vp8l", lambda: webp_vp8l(16384, 16384), "lossless WebP of 268 Mpx"),
    ("webp-vp8", lambda: webp_vp8(16383, 16383), "lossy WebP of 268 Mpx"),
    ("webp-anmf-frame", lambda: webp_vp8x(16, 16, 0x02, b"ANMF" + struct.pack("<I", 16)
                                          + b"\x00" * 6 + (16000).to_bytes(3, "little") * 2
                                          + b"\x00" * 4),
     "a 16 x 16 canvas with an animation frame of 256 Mpx"),
]
for name, data, why in PIXEL_BOMBS:
    case("pixel-bomb/" + name, lambda w, d=data: upload_req(d()), 413, "too_many_pixels",
         why + ": refused from the header, before any decoder allocates")
case("upload/animated-webp", lambda w: upload_req(animated_webp(), b"anim.webp"), 415,
     "unsupported_type", "an animated WebP can never be rendered here (libgd decodes no "
                         "animated WebP): refuse it at upload, like any unsupported type")


# -- 13. damaged images: accepted on a sound header, refused when rendered (422) ----------

def damaged(name, data, why, bug=None, log=None):
    state = {}

    def setup(w):
        r = exchange(w.env.httpd.port, upload_req(data() if callable(data) else data))
        assert r.status == 200, r.body     # the header is sound: upload takes it
        state["id"] = r.json()["file_id"]
    case("damaged/" + name, lambda w: get(b"/generate_gif/" + state["id"].encode()), 422,
         "undecodable_image", why + ": the decoder cannot make the picture; nothing is kept",
         bug=bug, setup=setup, log=log)


GIF_READER_BUG = ("BUG: a GIF whose image data cannot be decoded renders (200) as a partly blank "
                  "picture: libgd's GIF reader reports neither missing data nor a bad LZW stream, "
                  "and the probe accepts a first frame whose sub-blocks run past the end")


def cut(data, frac=0.5):
    return data[:int(len(data) * frac)]


damaged("png-cut-in-half", lambda: cut(png(seed=12)), "a PNG cut in its IDAT")
damaged("png-no-iend", lambda: png(seed=13)[:-12], "a PNG without IEND")
damaged("png-bad-crc", lambda: (lambda g: g[:40] + bytes([g[40] ^ 0xff]) + g[41:])(png(seed=14)),
        "a PNG whose chunk CRC is wrong")
damaged("png-idat-garbage", png_raw(96, 64, idat=b"\x78\x9c" + b"\xff" * 200),
        "IDAT that is not a zlib stream")
damaged("png-chunk-past-end", lambda: png(seed=15)[:33] + struct.pack(">I", 0x7fffffff)
        + b"tEXt" + b"abc", "a chunk declaring 2 GB after the header")
damaged("webp-cut-in-half", lambda: cut(encode(picture(seed=16), "WEBP", quality=80)),
        "a lossy WebP cut in its bitstream")
damaged("jpeg-header-only", jpeg_sof(100, 100), "a JPEG frame header with no scan at all")
damaged("jpeg-cut-in-scan", lambda: cut(encode(picture(320, 240, seed=17), "JPEG", quality=90)),
        "a JPEG cut in half inside its scan data")
damaged("gif-cut-in-lzw", lambda: cut(encode(picture(seed=18).convert("P"), "GIF")),
        "a GIF cut inside its LZW data")
damaged("png-two-ihdr", lambda: (lambda g: g[:33] + g[8:33] + g[33:])(png(seed=19)),
        "a second IHDR chunk after the first")
damaged("gif-lzw-code-size-12", lambda: gif_with_code_size(12),
        "a real GIF whose LZW minimum code size says 12 (at most 11 can be decoded)")
damaged("png-zlib-bomb", lambda: zlib_bomb_png(2048),
        "a 100 x 100 PNG whose IDAT stream goes on for 2 GiB of zeros after the last row "
        "(2 MB on the wire): invalid (too much image data), refused without inflating it all")


# -- the tests -----------------------------------------------------------------------------

def params(cases):
    seen = set()
    out = []
    for c in cases:
        assert c.id not in seen, "duplicate case id " + c.id
        seen.add(c.id)
        marks = [pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


@pytest.mark.parametrize("c", params(HOSTILE))
def test_hostile_request_is_refused_cleanly(env, world, c):
    if c.log:
        env.expect_error(c.log)
    if c.setup:
        c.setup(world)
    data = c.make(world)
    before = snapshot(env)
    t0 = time.time()
    resp = exchange(env.httpd.port, data, shut_wr=c.shut_wr)
    elapsed = time.time() - t0
    # a refusal of a write happens before anything is kept; no temporary file outlives it
    after = snapshot(env)
    if c.code is None:
        assert resp.status == c.status, (c.why, resp.status, resp.body[:300])
        assert not resp.header("content-type").startswith("image/")
    else:
        assert_json_error(resp, c.status, c.code)
    assert_no_leak(env, world, resp)
    assert_unchanged(before, after, c.allow)
    assert not [n for a in AREAS for n in after[0][a] if n.startswith(".")], "temporary files left"
    if c.max_seconds:
        assert elapsed < c.max_seconds, "took %.1f s" % elapsed
    if c.then:
        c.then(world, resp)


# -- odd but valid images: accepted, stored as sent, served as images, rendered ------------

@dataclass
class Odd:
    id: str
    data: Callable
    mime: str
    why: str
    filename: bytes = b"photo.png"
    part_type: bytes = b"application/octet-stream"
    size: Optional[tuple] = None          # (w, h) when PIL cannot tell (hand-made files)
    rotated: bool = False                 # EXIF orientation swaps the GIF's sides
    bug: Optional[str] = None


def rgba_webp():
    return encode(Image.new("RGBA", (40, 30), (200, 10, 10, 60)), "WEBP")


ODD_IMAGES = [
    Odd("cmyk-jpeg", lambda: encode(picture(seed=20).convert("CMYK"), "JPEG"), "image/jpeg",
        "CMYK (Adobe, inverted) JPEGs are common from print workflows"),
    Odd("grey-jpeg", lambda: encode(picture(seed=21).convert("L"), "JPEG"), "image/jpeg",
        "one component"),
    Odd("progressive-jpeg", lambda: jpeg(seed=22, progressive=True), "image/jpeg",
        "progressive scans"),
    Odd("exif-rotated-jpeg", exif_rotated_jpeg, "image/jpeg",
        "EXIF orientation 6: the GIF is upright (sides swapped)", rotated=True),
    Odd("jpeg-malformed-exif", lambda: encode(picture(seed=36), "JPEG",
                                              exif=b"Exif\x00\x00MM\x00\x2a\xff\xff\xff\xf0"),
        "image/jpeg", "an EXIF block whose IFD offset points far past its end: ignored"),
    Odd("png-16-bit-grey", lambda: png16(0), "image/png", "16 bits per sample, grey"),
    Odd("png-16-bit-rgb", lambda: png16(2), "image/png", "16 bits per sample, RGB"),
    Odd("png-16-bit-rgba", lambda: png_raw(2, 2, 16, 6, idat=zlib.compress(
        (b"\x00" + b"\x12\x34" * 8) * 2)),
        "image/png", "16 bits per sample with alpha", size=(2, 2)),
    Odd("png-grey-alpha", lambda: encode(picture(seed=24).convert("LA"), "PNG"), "image/png",
        "grey with alpha"),
    Odd("png-palette-trns", lambda: encode(picture(seed=25).convert("P"), "PNG", transparency=3),
        "image/png", "palette with a tRNS transparent entry"),
    Odd("png-1-bit", lambda: encode(picture(seed=26).convert("1"), "PNG"), "image/png",
        "1 bit per pixel"),
    Odd("png-adam7-interlaced", lambda: adam7_png(33, 21), "image/png", "Adam7 interlace",
        size=(33, 21)),
    Odd("png-1x1", lambda: encode(Image.new("RGB", (1, 1), (9, 200, 9)), "PNG"), "image/png",
        "the smallest picture"),
    Odd("png-10000x1", lambda: encode(Image.new("RGB", (10000, 1), (9, 9, 200)), "PNG"),
        "image/png", "extreme aspect ratio: downscaling must keep at least one row"),
    Odd("png-1x10000", lambda: encode(Image.new("RGB", (1, 10000), (200, 9, 9)), "PNG"),
        "image/png", "extreme aspect ratio the other way"),
    Odd("animated-gif", animated_gif, "image/gif", "animated input: the first frame is used"),
    Odd("gif87a", lambda: encode(picture(seed=27).convert("P"), "GIF").replace(b"GIF89a", b"GIF87a", 1),
        "image/gif", "the older GIF version"),
    Odd("webp-lossy", lambda: encode(picture(seed=28), "WEBP", quality=70), "image/webp", "VP8"),
    Odd("webp-lossless", lambda: encode(picture(seed=29), "WEBP", lossless=True), "image/webp",
        "VP8L"),
    Odd("webp-alpha", rgba_webp, "image/webp", "VP8X with ALPH"),
    Odd("polyglot-gif-html", lambda: real_gif(seed=37) + b"<html><script>alert(document.domain)"
        b"</script></html>", "image/gif",
        "GIF + HTML after the trailer: a real image, served as image/gif with nosniff",
        size=(96, 64)),
    Odd("polyglot-png-html-after-iend", lambda: png(seed=30)
        + b"<html><script>alert(document.domain)</script></html>", "image/png",
        "PNG + HTML after IEND: a real image, never served as HTML"),
    Odd("polyglot-png-text-chunk-html", lambda: (lambda g: g[:33] + chunk(
        b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>") + g[33:])(png(seed=31)),
        "image/png", "HTML inside a tEXt chunk"),
    Odd("polyglot-jpeg-php-comment", polyglot_jpeg_php, "image/jpeg",
        "PHP and HTML in a JPEG COM segment: stored as .jpg, served as image/jpeg"),
    Odd("filename-traversal", lambda: png(seed=32), "image/png",
        "the client's file name is ignored: stored only under its hash",
        filename=b"../../../../tmp/evil.png"),
    Odd("filename-html-part-type-html", lambda: png(seed=33), "image/png",
        "name and part type claim HTML; the bytes decide", filename=b"index.html",
        part_type=b"text/html"),
    Odd("filename-php", lambda: jpeg(seed=34), "image/jpeg", "a .php name changes nothing",
        filename=b"shell.php"),
    Odd("boundary-prefix-inside-data", lambda: png(seed=35) + b"\r\n--b\r\n--bX", "image/png",
        "bytes that start like the delimiter but are not it stay in the file"),
    Odd("ztxt-bomb", lambda: text_chunk_bomb(b"zTXt", 200), "image/png",
        "a zTXt chunk inflating to 200 MiB: libpng's chunk limit stops it; the picture is fine",
        size=(96, 64)),
    Odd("iccp-bomb", lambda: text_chunk_bomb(b"iCCP", 200), "image/png",
        "an iCCP profile inflating to 200 MiB: ignored, the picture is fine", size=(96, 64)),
]


def odd_params():
    out = []
    for o in ODD_IMAGES:
        marks = [pytest.mark.xfail(strict=True, reason=o.bug)] if o.bug else []
        out.append(pytest.param(o, id=o.id, marks=marks))
    return out


@pytest.mark.filterwarnings("ignore:Corrupt EXIF")       # PIL reading the malformed-EXIF case
@pytest.mark.parametrize("o", odd_params())
def test_odd_but_valid_image_is_accepted_and_renders(env, world, o):
    data = o.data()
    t0 = time.time()
    r = exchange(env.httpd.port, upload_req(data, o.filename, o.part_type))
    assert r.status == 200, r.body[:300]
    body = r.json()
    assert body["status"] == "success"
    assert body["file_id"] == hashlib.sha256(data).hexdigest()
    assert body["mime_type"] == o.mime
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}[o.mime]
    name = "%s.%s" % (body["file_id"], ext)
    assert body["image_url"] == env.url + "/qnft/uploads/" + name
    size = o.size or Image.open(io.BytesIO(data)).size
    assert (body["width"], body["height"]) == tuple(size)
    # stored exactly as sent, only under its hash, nothing else in the way
    with open(os.path.join(env.storage, "uploads", name), "rb") as f:
        assert f.read() == data
    assert not [n for n in os.listdir(os.path.join(env.storage, "uploads")) if n.startswith(".")]
    assert env.pg.psql("SELECT mime_type FROM images WHERE id = '%s'" % body["file_id"]) == o.mime
    # Apache serves it as the sniffed image type, never as a page
    f = exchange(env.httpd.port, get(("/qnft/uploads/" + name).encode()))
    assert f.status == 200 and f.body == data
    assert f.header("content-type") == o.mime
    assert f.header("x-content-type-options") == "nosniff"
    assert "sandbox" in f.header("content-security-policy")
    # and the quantum GIF of it works
    g = exchange(env.httpd.port, get(("/generate_gif/" + body["file_id"]).encode()))
    assert g.status == 200, g.body[:300]
    gb = g.json()
    gif = exchange(env.httpd.port, get(("/qnft/gifs/%s.gif" % gb["gif_id"]).encode()))
    assert gif.status == 200 and gif.header("content-type") == "image/gif"
    im = Image.open(io.BytesIO(gif.body))
    assert im.format == "GIF" and im.n_frames == gb["frames"] == 50
    w, h = (size[1], size[0]) if o.rotated else size
    scale = min(1.0, 512.0 / max(w, h))
    assert (gb["width"], gb["height"]) == im.size
    assert abs(im.size[0] - w * scale) <= 1 and abs(im.size[1] - h * scale) <= 1
    assert im.size[0] >= 1 and im.size[1] >= 1
    assert time.time() - t0 < 20


def test_html_in_a_description_is_only_ever_served_as_json(env, world):
    """Stored input that looks like a page: the description goes into the
    metadata document, which Apache serves as JSON, nosniff, sandboxed."""
    script = "<script>alert(document.domain)</script><img src=x onerror=alert(1)>"
    st, m = http_json(env, b"POST", "/mint_nft", mint_body(
        world, owner=Wallet().address, user_description=script))
    assert st == 200, m
    assert m["metadata_uri"] == env.url + "/qnft/meta/%s.json" % m["mint"]
    f = exchange(env.httpd.port, get(("/qnft/meta/%s.json" % m["mint"]).encode()))
    assert f.status == 200
    assert f.header("content-type") == "application/json"
    assert f.header("x-content-type-options") == "nosniff"
    assert "sandbox" in f.header("content-security-policy")
    assert json.loads(f.body)["description"].startswith(script)
    item = exchange(env.httpd.port, get(("/marketplace/nfts/%s" % m["mint"]).encode()))
    assert item.header("content-type") == JSON_TYPE
    assert item.header("x-content-type-options") == "nosniff"
    assert item.json()["description"].startswith(script)


def test_table_sizes():
    """The issue asks for at least 100 hostile cases; keep the table honest."""
    assert len(HOSTILE) >= 120
    assert len({c.id for c in HOSTILE}) == len(HOSTILE)
    assert all(c.why for c in HOSTILE) and all(o.why for o in ODD_IMAGES)
