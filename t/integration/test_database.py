"""PostgreSQL trouble: 503 JSON with Retry-After, nothing half-written,
and recovery without restarting Apache."""

import io
import os
import time

import requests
from PIL import Image
from conftest import UPLOAD_HEADERS


def fresh_png(seed):
    img = Image.new("RGB", (64, 48), (seed % 256, (seed * 7) % 256, (seed * 13) % 256))
    img.putpixel((seed % 64, 0), (1, 2, 3))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def upload(env, data):
    return requests.post(env.url + "/upload_image", headers=UPLOAD_HEADERS,
                      files={"file": ("p.png", data)}, timeout=30)


def test_database_down_then_up(env):
    env.expect_error(r"\[dbd:error\]|QNFT01105|QNFT01203|QNFT01104")
    ok = upload(env, fresh_png(int(time.time())))
    assert ok.status_code == 200, ok.text
    before = env.stored()
    rows = env.pg.psql("SELECT count(*) FROM images")

    env.pg.stop()
    try:
        data = fresh_png(int(time.time()) + 1)
        t0 = time.time()
        r = upload(env, data)
        assert time.time() - t0 < 5
        assert r.status_code == 503, r.text
        assert r.headers["Retry-After"] == "5"
        assert r.json()["error"] == "database_unavailable"
        assert env.stored() == before          # no file without a row
    finally:
        env.pg.start()

    # The pooled connections died with the server: the next requests must
    # reconnect and re-prepare by themselves. Several requests reach
    # different children and connections.
    for i in range(6):
        r = upload(env, fresh_png(int(time.time()) + 10 + i))
        assert r.status_code == 200, r.text
    assert int(env.pg.psql("SELECT count(*) FROM images")) == int(rows) + 6
    assert len(env.stored()) == len(before) + 6
