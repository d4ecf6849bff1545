"""GET /generate_gif/<image_id> against the real stack."""

import hashlib
import io
import os

import pytest
import requests
from PIL import Image
from conftest import UPLOAD_HEADERS

PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg",
          "hubble_deep_field.jpg", "no_time_for_that_tiny.gif"]
STYLES = ["default", "noise", "kaleidoscope", "wave_warp"]


def upload(env, photos, name):
    with open(os.path.join(photos, name), "rb") as f:
        data = f.read()
    r = requests.post(env.url + "/upload_image", headers=UPLOAD_HEADERS,
                      files={"file": (name, data)})
    assert r.status_code == 200, r.text
    return r.json()["file_id"], data


def frames_of(gif_bytes):
    im = Image.open(io.BytesIO(gif_bytes))
    durations = []
    try:
        while True:
            durations.append(im.info.get("duration"))
            im.seek(im.tell() + 1)
    except EOFError:
        pass
    return im, durations


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("style", STYLES)
def test_each_photo_and_style_renders_a_real_animation(env, photos, name, style):
    image_id, data = upload(env, photos, name)
    r = requests.get(env.url + "/generate_gif/" + image_id, params={"style": style})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    assert body["message"] == "GIF generated successfully."
    assert body["style"] == style
    assert len(body["gif_id"]) == 64
    assert body["gif_url"] == env.url + "/qnft/gifs/%s.gif" % body["gif_id"]
    assert "gif_server_path" not in body
    gif = requests.get(body["gif_url"])
    assert gif.status_code == 200
    assert gif.headers["Content-Type"] == "image/gif"
    assert len(gif.content) == body["bytes"]
    im, durations = frames_of(gif.content)
    assert len(durations) == 50 == body["frames"]
    assert set(durations) == {100}
    assert im.info.get("loop") == 0
    w, h = Image.open(io.BytesIO(data)).size
    scale = min(1.0, 512.0 / max(w, h))
    assert (body["width"], body["height"]) == im.size
    assert abs(im.size[0] - w * scale) <= 1 and abs(im.size[1] - h * scale) <= 1
    assert env.pg.psql("SELECT image_id, style, frames, bytes FROM gifs WHERE id = '%s'"
                       % body["gif_id"]) == "%s|%s|50|%d" % (image_id, style, body["bytes"])


def test_second_request_reuses_the_gif(env, photos):
    image_id, _ = upload(env, photos, "chelsea.png")
    first = requests.get(env.url + "/generate_gif/" + image_id,
                         params={"style": "kaleidoscope"}).json()
    offset = env.httpd.log_offset()
    again = requests.get(env.url + "/generate_gif/" + image_id,
                         params={"style": "kaleidoscope"}).json()
    assert again["gif_id"] == first["gif_id"]
    assert again["reused"] is True
    assert again["message"] == "This GIF was made before; here it is again."
    log = env.httpd.log_since(offset)
    assert "QNFT01307" in log and "reusing " + first["gif_id"] in log
    assert "QNFT01304" not in log       # no render
    assert env.pg.psql("SELECT count(*) FROM gifs WHERE id = '%s'" % first["gif_id"]) == "1"


def test_default_style_is_the_default(env, photos):
    image_id, _ = upload(env, photos, "coffee.png")
    a = requests.get(env.url + "/generate_gif/" + image_id).json()
    b = requests.get(env.url + "/generate_gif/" + image_id + "?style=default").json()
    assert a["gif_id"] == b["gif_id"] and a["style"] == "default"


def test_lost_file_is_rendered_again_identically(env, photos):
    image_id, _ = upload(env, photos, "rocket.jpg")
    body = requests.get(env.url + "/generate_gif/" + image_id + "?style=wave_warp").json()
    path = os.path.join(env.storage, "gifs", body["gif_id"] + ".gif")
    with open(path, "rb") as f:
        original = f.read()
    os.unlink(path)
    again = requests.get(env.url + "/generate_gif/" + image_id + "?style=wave_warp").json()
    assert again["gif_id"] == body["gif_id"] and again["reused"] is False
    with open(path, "rb") as f:
        assert f.read() == original     # same inputs, same overlay time: same bytes


def test_unknown_style_is_400_listing_the_valid_ones(env, photos):
    image_id, _ = upload(env, photos, "coffee.png")
    r = requests.get(env.url + "/generate_gif/" + image_id + "?style=sparkle")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "unknown_style"
    for s in STYLES:
        assert s in body["message"]


@pytest.mark.parametrize("bad", ["abc", "A" * 64, "a" * 63, "a" * 65, "..%2F..%2Fetc",
                                 "a" * 63 + "g", "%00" + "a" * 61])
def test_malformed_id_is_400(env, bad):
    r = requests.get(env.url + "/generate_gif/" + bad)
    assert r.status_code in (400, 404)
    if r.status_code == 400:
        assert r.json()["error"] == "bad_image_id"


def test_unknown_image_is_404(env):
    r = requests.get(env.url + "/generate_gif/" + "0" * 64)
    assert r.status_code == 404
    assert r.json()["error"] == "image_not_found"


def test_post_is_405(env):
    r = requests.post(env.url + "/generate_gif/" + "0" * 64)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_truncated_image_is_422(env, photos):
    with open(os.path.join(photos, "truncated.jpg"), "rb") as f:
        data = f.read()
    r = requests.post(env.url + "/upload_image", headers=UPLOAD_HEADERS,
                      files={"file": ("t.jpg", data)})
    assert r.status_code == 200       # its header is sound
    before = os.listdir(os.path.join(env.storage, "gifs"))
    g = requests.get(env.url + "/generate_gif/" + r.json()["file_id"])
    assert g.status_code == 422, g.text
    assert g.json()["error"] == "undecodable_image"
    assert os.listdir(os.path.join(env.storage, "gifs")) == before


def test_gif_is_served_with_etag_and_ranges(env, photos):
    image_id, _ = upload(env, photos, "astronaut.png")
    body = requests.get(env.url + "/generate_gif/" + image_id).json()
    full = requests.get(body["gif_url"])
    etag = full.headers["ETag"]
    assert requests.get(body["gif_url"], headers={"If-None-Match": etag}).status_code == 304
    part = requests.get(body["gif_url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == full.content[100:200]
    assert part.headers["Content-Range"] == "bytes 100-199/%d" % len(full.content)


@pytest.mark.parametrize("name", PHOTOS[:5])
def test_palette_quality_on_real_photos(env, photos, name):
    """The GIF frames as shown stay within 30 dB PSNR of the truecolor
    frames for the default style (the CLI measures what the module renders)."""
    import subprocess
    out = subprocess.run([os.path.join(env.stack.build_dir, "qnft"), "gif",
                          os.path.join(photos, name), "/dev/null", "--time", "1764763200",
                          "--stats"], capture_output=True, text=True, check=True).stdout
    stats = dict(kv.split("=") for kv in out.split())
    assert int(stats["frames"]) == 50
    assert float(stats["psnr_mean"]) >= 30.0, stats
    assert int(stats["bytes"]) <= 4 * 1024 * 1024, stats
