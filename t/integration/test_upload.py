"""POST /upload_image against the real stack."""

import hashlib
import io
import os
import socket
import struct
import zlib

import pytest
import requests
from PIL import Image
from conftest import post_upload, raw_http

PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg",
          "hubble_deep_field.jpg", "no_time_for_that_tiny.gif"]


def upload(env, data, filename="photo.png", field="file", **kw):
    return post_upload(env.url + "/upload_image",
                       files={field: (filename, data, "application/octet-stream")}, **kw)


def read(photos, name):
    with open(os.path.join(photos, name), "rb") as f:
        return f.read()


def assert_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["status"] == "error"
    assert body["error"] == code
    assert body["message"]
    assert "/" not in body["message"].replace("multipart/form-data", "")  # no server paths
    return body


def no_temp_files(env):
    return [n for n in env.stored() if n.startswith(".")]


def png_bomb(width=20000, height=20000):
    """A real, complete 1-bit PNG of width x height: small on the wire,
    400 megapixels when decoded."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("name", PHOTOS)
def test_real_photos_upload_with_their_dimensions(env, photos, name):
    data = read(photos, name)
    r = upload(env, data, filename=name)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    assert body["file_id"] == hashlib.sha256(data).hexdigest()
    w, h = Image.open(io.BytesIO(data)).size
    assert (body["width"], body["height"]) == (w, h)
    assert body["bytes"] == len(data)
    fmt = Image.open(io.BytesIO(data)).format.lower()
    assert body["mime_type"] == {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif"}[fmt]
    row = env.pg.psql("SELECT mime_type, width, height, bytes FROM images WHERE id = '%s'"
                      % body["file_id"])
    assert row == "%s|%d|%d|%d" % (body["mime_type"], w, h, len(data))


def test_identical_upload_returns_same_id_and_one_file(env, photos):
    data = read(photos, "astronaut.png")
    a = upload(env, data, filename="a.png").json()
    b = upload(env, data, filename="other-name.png").json()
    assert a["file_id"] == b["file_id"]
    assert len(a["file_id"]) == 64 and all(c in "0123456789abcdef" for c in a["file_id"])
    assert env.stored().count(a["file_id"] + ".png") == 1
    assert env.pg.psql("SELECT count(*) FROM images WHERE id = '%s'" % a["file_id"]) == "1"


def test_uploaded_image_is_served_by_apache_with_sniffed_type(env, photos):
    data = read(photos, "rocket.jpg")
    body = upload(env, data, filename="rocket.png").json()   # misleading name on purpose
    assert body["image_url"].endswith("/qnft/uploads/%s.jpg" % body["file_id"])
    assert body["image_url"].startswith(env.url)
    r = requests.get(body["image_url"])
    assert r.status_code == 200
    assert r.content == data
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in r.headers
    part = requests.get(body["image_url"], headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == data[:10]


def test_text_file_named_png_is_415(env):
    before = env.stored()
    r = upload(env, b"this is plain text, not a picture\n" * 10, filename="x.png")
    assert_error(r, 415, "unsupported_type")
    assert env.stored() == before


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"<!DOCTYPE html><html><body>hi</body></html>",
    b"II*\x00" + b"\x00" * 64,          # TIFF
    b"BM" + b"\x00" * 64,               # BMP
    b"abc",                             # shorter than any header
])
def test_other_types_are_415(env, payload):
    before = env.stored()
    assert_error(upload(env, payload, filename="x.svg"), 415, "unsupported_type")
    assert env.stored() == before


def test_body_over_limit_is_413_before_the_body_is_read(env):
    """Content-Length says too much: the answer comes without the body."""
    s = socket.create_connection(("127.0.0.1", env.httpd.port), timeout=10)
    s.sendall(b"POST /upload_image HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"X-Requested-With: t\r\n"
              b"Content-Type: multipart/form-data; boundary=xyz\r\n"
              b"Content-Length: 50000000\r\n\r\n")
    resp = b""
    while b"\r\n\r\n" not in resp or not resp.rstrip().endswith(b"}"):
        chunk = s.recv(65536)
        if not chunk:
            break
        resp += chunk
    s.close()
    head, _, body = resp.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"application/json" in head
    assert b'"error":"too_large"' in body


def test_chunked_body_over_limit_is_413(env):
    def gen():
        yield (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; "
               b"filename=\"big.png\"\r\n\r\n\x89PNG\r\n\x1a\n")
        for _ in range(12):
            yield b"\x00" * (1024 * 1024)
    before = env.stored()
    try:
        r = post_upload(env.url + "/upload_image", data=gen(),
                        headers={"Content-Type": "multipart/form-data; boundary=b0undary"})
        assert_error(r, 413, "too_large")
    except requests.exceptions.ConnectionError:
        pass  # the server may close while the client is still sending
    assert env.stored() == before
    assert no_temp_files(env) == []


def test_missing_file_part_is_400(env):
    r = post_upload(env.url + "/upload_image", files={"photo": ("a.png", b"\x89PNG")})
    assert_error(r, 400, "no_file_part")
    r = post_upload(env.url + "/upload_image", data={"file": "just text"},
                    files={"other": ("a.txt", b"x")})
    assert_error(r, 400, "no_file_part")


def test_empty_filename_and_empty_file_are_400(env, photos):
    assert_error(upload(env, read(photos, "astronaut.png"), filename=""), 400,
                 "no_selected_file")
    assert_error(upload(env, b"", filename="empty.png"), 400, "empty_file")


def test_two_file_parts_are_400(env, photos):
    data = read(photos, "chelsea.png")
    r = post_upload(env.url + "/upload_image",
                    files=[("file", ("a.png", data)), ("file", ("b.png", data))])
    assert_error(r, 400, "too_many_files")


def test_malformed_multipart_is_400(env):
    before = env.stored()
    body = (b"--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)           # no closing delimiter
    r = post_upload(env.url + "/upload_image", data=body,
                    headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert_error(r, 400, "bad_multipart")
    r = post_upload(env.url + "/upload_image", data=b"--zz\r\ngarbage",
                    headers={"Content-Type": "multipart/form-data"})
    assert_error(r, 400, "bad_multipart")
    assert env.stored() == before


def test_wrong_content_type_is_415(env):
    r = post_upload(env.url + "/upload_image", json={"file": "x"})
    assert_error(r, 415, "unsupported_content_type")
    r = post_upload(env.url + "/upload_image", data=b"")
    assert_error(r, 415, "unsupported_content_type")


def test_get_is_405_with_allow(env):
    r = requests.get(env.url + "/upload_image")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"


def test_pixel_bomb_is_refused_from_its_header(env):
    bomb = png_bomb()
    assert len(bomb) < 200000
    before = env.stored()
    r = upload(env, bomb, filename="bomb.png")
    body = assert_error(r, 413, "too_many_pixels")
    assert "20000 x 20000" in body["message"]
    assert env.stored() == before
    assert env.pg.psql("SELECT count(*) FROM images WHERE width = 20000") == "0"


def test_truncated_png_header_is_400(env):
    r = upload(env, b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00", filename="t.png")
    assert_error(r, 400, "corrupt_image")


def test_storage_holds_only_accepted_images(env, photos):
    """Rejections of every kind leave nothing behind: only accepted images
    remain, each with its database row, and no temporary file."""
    before = env.stored()
    rows_before = env.pg.psql("SELECT count(*) FROM images")
    rejected = [
        upload(env, b"plain text" * 100, filename="x.png"),
        upload(env, png_bomb(), filename="bomb.png"),
        upload(env, b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00", filename="t.png"),
        upload(env, b"", filename="e.png"),
        post_upload(env.url + "/upload_image",
                    files=[("file", ("a.png", read(photos, "coffee.png"))),
                           ("file", ("b.png", read(photos, "coffee.png")))]),
    ]
    assert [r.status_code for r in rejected] == [415, 413, 400, 400, 400]
    assert env.stored() == before
    assert env.pg.psql("SELECT count(*) FROM images") == rows_before
    files = env.stored()
    assert no_temp_files(env) == []
    ids = set(env.pg.psql("SELECT id FROM images").split())
    assert {f.split(".")[0] for f in files} == ids
    for f in files:
        with open(os.path.join(env.storage, "uploads", f), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == f.split(".")[0]


def raw_request(env, data, timeout=10):
    """Send bytes as they are (no client-side path normalisation) and read
    the whole answer."""
    s = socket.create_connection(("127.0.0.1", env.httpd.port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


def test_non_image_is_refused_without_reading_the_rest(env):
    """415 comes after the first bytes of the file; the connection closes
    instead of draining a large body."""
    import time
    s = socket.create_connection(("127.0.0.1", env.httpd.port), timeout=10)
    head = (b"--bb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n"
            b"<html><body>not an image, and a lot of it</body></html>")
    s.sendall(b"POST /upload_image HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"X-Requested-With: t\r\n"
              b"Content-Type: multipart/form-data; boundary=bb\r\n"
              b"Content-Length: 9000000\r\n\r\n" + head)
    t0 = time.time()
    resp = s.recv(65536)
    while resp and b'"error"' not in resp:
        more = s.recv(65536)
        if not more:
            break
        resp += more
    s.close()
    assert time.time() - t0 < 5
    assert resp.startswith(b"HTTP/1.1 415"), resp[:200]
    assert b"Connection: close" in resp
    assert b'"error":"unsupported_type"' in resp


def test_incomplete_body_is_answered_in_json(env):
    body = (b"--bb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n"
            b"\x89PNG\r\n\x1a\n")
    # the promised rest never comes
    resp = raw_http(env.httpd.port, b"POST /upload_image HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"X-Requested-With: t\r\n"
                    b"Content-Type: multipart/form-data; boundary=bb\r\n"
                    b"Content-Length: 5000\r\n\r\n" + body, half_close=True)
    assert resp.startswith(b"HTTP/1.1 400"), resp[:200]
    assert b"application/json" in resp
    assert b'"error":"bad_body"' in resp
    assert no_temp_files(env) == []


def test_host_header_does_not_reach_links(env, photos):
    r = post_upload(env.url + "/upload_image", headers={"Host": "evil.example"},
                    files={"file": ("c.png", read(photos, "coffee.png"))})
    assert r.status_code == 200
    assert r.json()["image_url"].startswith(env.url + "/qnft/uploads/")


def test_almost_multipart_content_type_is_415(env):
    r = post_upload(env.url + "/upload_image", data=b"x",
                    headers={"Content-Type": "multipart/form-dataX; boundary=zz"})
    assert_error(r, 415, "unsupported_content_type")


def test_temp_and_odd_names_are_not_served(env):
    for path in [b"/qnft/uploads/", b"/qnft/uploads/.tmp-abc", b"/qnft/uploads/../../etc/passwd",
                 b"/qnft/uploads/..%2f..%2fetc%2fpasswd", b"/qnft/uploads/%2e%2e/%2e%2e/etc/passwd",
                 b"/qnft/uploads/" + b"A" * 64 + b".png", b"/qnft/uploads/" + b"a" * 64 + b".svg"]:
        resp = raw_request(env, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                b"Connection: close\r\n\r\n")
        status = int(resp.split(b" ", 2)[1])
        assert status in (400, 403, 404), (path, resp[:100])
        assert b"root:" not in resp


def test_security_headers(env, photos):
    r = upload(env, read(photos, "chelsea.png"), filename="c.png")
    for name, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                        ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                        ("Referrer-Policy", "no-referrer")):
        assert r.headers[name] == value
    assert requests.get(env.url + "/upload_image").headers["X-Frame-Options"] == "DENY"
    f = requests.get(r.json()["image_url"])
    assert f.headers["Content-Type"] == "image/png"
    assert f.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in f.headers["Content-Security-Policy"]
