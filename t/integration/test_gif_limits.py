"""The render limits, on a second httpd (one process) sharing the database
and the storage:
QNFTGifConcurrency answers 503 + Retry-After when full, QNFTGifTimeBudget
abandons a render that takes too long and keeps nothing of it."""

import concurrent.futures
import os

import pytest
import requests

from conftest import UPLOAD_HEADERS, extra_server


@pytest.fixture(scope="module")
def limited(env):
    h = extra_server(env, "QNFTGifConcurrency 1\nQNFTGifFrames 400\nQNFTGifTimeBudget 1\n")
    yield h
    h.stop()


def upload(url, photos, name):
    with open(os.path.join(photos, name), "rb") as f:
        r = requests.post(url + "/upload_image", headers=UPLOAD_HEADERS,
                      files={"file": (name, f.read())})
    assert r.status_code == 200, r.text
    return r.json()["file_id"]


def test_render_over_budget_is_503_and_leaves_nothing(env, limited, photos):
    image_id = upload(limited.url, photos, "hubble_deep_field.jpg")
    gifs = os.path.join(limited.storage, "gifs")
    before, rows = sorted(os.listdir(gifs)), env.pg.psql("SELECT count(*) FROM gifs")
    r = requests.get(limited.url + "/generate_gif/" + image_id + "?style=kaleidoscope")
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "render_timeout"
    assert int(r.headers["Retry-After"]) > 0
    assert sorted(os.listdir(gifs)) == before           # no file, not even a temporary one
    assert env.pg.psql("SELECT count(*) FROM gifs") == rows


def test_full_render_slots_answer_503_with_retry_after(env, limited, photos):
    ids = [upload(limited.url, photos, n) for n in
           ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg")]
    urls = [limited.url + "/generate_gif/%s?style=%s" % (i, s)
            for i in ids for s in ("noise", "wave_warp")]
    with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
        answers = list(pool.map(requests.get, urls))
    busy = [a for a in answers if a.status_code == 503 and a.json()["error"] == "busy"]
    assert busy, [a.status_code for a in answers]
    assert all(a.headers["Retry-After"] == "2" for a in busy)
    assert all(a.status_code in (200, 503) for a in answers)
