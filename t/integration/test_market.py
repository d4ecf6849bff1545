"""The marketplace over HTTP: listing order and filters, keyset pages,
single NFTs, wallet-signed listing and delisting, database trouble."""

import concurrent.futures
import os
import re
import time
import uuid
from datetime import datetime

import pytest
import requests

from solana_keys import Wallet, b58encode, random_address, random_signature
from conftest import UPLOAD_HEADERS


DOMAIN = None    # the marketplace's public base URL, set by the fixture


def listing_text(action, mint, seller, nonce, expires_at, price=None, listing_id=None):
    second = ("price_lamports: %d" % price) if action == "list" else ("listing_id: %d" % listing_id)
    return ("QNFT marketplace\ndomain: %s\naction: %s\n%s\nmint: %s\nseller: %s\nnonce: %s\n"
            "expires_at: %d" % (DOMAIN, action, second, mint, seller, nonce, expires_at)).encode()


def signed_list(wallet, mint, price, signer=None, expires_in=300, nonce=None, seller=None):
    nonce = nonce or uuid.uuid4().hex
    expires = int(time.time()) + expires_in
    seller = seller or wallet.address
    text = listing_text("list", mint, seller, nonce, expires, price=price)
    return {"mint": mint, "seller": seller, "price_lamports": price, "nonce": nonce,
            "expires_at": expires, "signature": (signer or wallet).sign(text)}


def signed_delist(wallet, listing_id, mint, expires_in=300, nonce=None):
    nonce = nonce or uuid.uuid4().hex
    expires = int(time.time()) + expires_in
    text = listing_text("delist", mint, wallet.address, nonce, expires, listing_id=listing_id)
    return {"seller": wallet.address, "nonce": nonce, "expires_at": expires,
            "signature": wallet.sign(text)}


@pytest.fixture(scope="module")
def seeded(env, photos):
    """Real image and GIF, then NFT rows as the mint endpoint records them:
    confirmed ones of two owners and both mint types, a few listed, and
    pending/failed ones that must never show."""
    global DOMAIN
    DOMAIN = env.url
    with open(os.path.join(photos, "astronaut.png"), "rb") as f:
        image_id = requests.post(env.url + "/upload_image", headers=UPLOAD_HEADERS,
                                 files={"file": ("a.png", f.read())}).json()["file_id"]
    gif_id = requests.get(env.url + "/generate_gif/" + image_id).json()["gif_id"]
    alice, bob = Wallet(), Wallet()
    rows, mints = [], {"alice": [], "bob": []}
    # the ones that get listed are minted for real: listing asks the chain
    for i in range(14):
        r = requests.post(env.url + "/mint_nft", json={
            "image_id": image_id, "gif_id": gif_id, "mint_type": "long" if i % 2 else "short",
            "owner": alice.address, "sign": "server"})
        assert r.status_code == 200, r.text
        mints["alice"].append(r.json()["mint"])
    for i in range(57):
        mint = random_address()
        who = "alice" if i % 3 else "bob"
        if who == "alice" and i < 30:
            who = "bob"
        owner = alice if who == "alice" else bob
        rows.append("('%s', 'QNFT #%04d', 'QNFT', '%s', 'https://x.example/m/%d.json', '%s', '%s',"
                    " '%s', %s, %s, 'token2022', '%s', 'confirmed', now() - interval '%d minutes',"
                    " now())" % (mint, i, owner.address, i, image_id, gif_id,
                                 "long" if i % 2 else "short",
                                 "NULL" if i % 5 == 0 else "76497.10", "231.5" if i % 4 else "NULL",
                                 random_signature(), 60 - i))
        mints[who].append(mint)
    for status in ("pending", "failed"):
        rows.append("('%s', 'QNFT #9999', 'QNFT', '%s', 'https://x.example/p.json', '%s', '%s',"
                    " 'long', NULL, NULL, 'token2022', '%s', '%s', now(), NULL)"
                    % (random_address(), alice.address, image_id, gif_id, random_signature(),
                       status))
    env.pg.psql("INSERT INTO nfts (mint, name, symbol, owner, metadata_uri, image_id, gif_id,"
                " mint_type, btc_price_at_mint, sol_price_at_mint, mint_standard, tx_signature,"
                " status, created_at, confirmed_at) VALUES " + ", ".join(rows))
    # list six of alice's with distinct and equal prices (ties break by listing id)
    for k, mint in enumerate(mints["alice"][:6]):
        r = requests.post(env.url + "/marketplace/listings",
                          json=signed_list(alice, mint, [5, 3, 3, 9, 1, 7][k] * 10**8))
        assert r.status_code == 201, r.text
    return {"alice": alice, "bob": bob, "mints": mints, "image_id": image_id, "gif_id": gif_id}


def walk(env, query):
    """Follow the Link headers from the first page to the last."""
    url, pages, items = env.url + "/marketplace/nfts?" + query, 0, []
    while url:
        r = requests.get(url)
        assert r.status_code == 200, r.text
        page = r.json()
        assert isinstance(page, list)
        items += page
        pages += 1
        link = r.headers.get("Link")
        if link:
            m = re.fullmatch(r'<([^>]+)>; rel="next"', link)
            assert m, link
            url = m.group(1)
            assert page, "a Link after an empty page"
        else:
            url = None
    return items, pages


def test_item_shape(env, seeded):
    r = requests.get(env.url + "/marketplace/nfts?limit=5")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    items = r.json()
    assert len(items) == 5
    for it in items:
        for key in ("id", "name", "gif_url", "mint_type", "mint_timestamp_iso",
                    "btc_price_at_mint", "sol_price_at_mint", "original_image_url", "owner",
                    "metadata_uri", "status"):
            assert key in it, key
        assert it["status"] == "confirmed"
        assert it["mint_type"] in ("long", "short")
        assert datetime.fromisoformat(it["mint_timestamp_iso"].replace("Z", "+00:00")).tzinfo
        assert it["btc_price_at_mint"] is None or it["btc_price_at_mint"] == 76497.1
    assert requests.get(items[0]["gif_url"]).status_code == 200
    assert requests.get(items[0]["original_image_url"]).status_code == 200


def confirmed_mints(env, order):
    return env.pg.psql("SELECT mint FROM nfts WHERE status = 'confirmed' ORDER BY serial "
                       + order).split()


def test_newest_and_oldest_pages_visit_every_row_once(env, seeded):
    for sort, order in (("newest", "DESC"), ("oldest", "ASC")):
        items, pages = walk(env, "limit=7&sort=" + sort)
        ids = [i["id"] for i in items]
        assert ids == confirmed_mints(env, order)
        assert len(set(ids)) == len(ids)
        assert pages == -(-len(ids) // 7)


def test_default_is_newest_20(env, seeded):
    r = requests.get(env.url + "/marketplace/nfts")
    assert [i["id"] for i in r.json()] == confirmed_mints(env, "DESC")[:20]
    assert "rel=\"next\"" in r.headers["Link"]


def test_last_page_has_no_link(env, seeded):
    total = len(confirmed_mints(env, "DESC"))
    r = requests.get(env.url + "/marketplace/nfts?limit=100")
    assert len(r.json()) == min(total, 100)
    if total <= 100:
        assert "Link" not in r.headers


def test_price_orders_only_listed(env, seeded):
    expect = env.pg.psql("SELECT l.mint FROM listings l JOIN nfts n ON n.mint = l.mint "
                         "WHERE l.status = 'listed' AND n.status = 'confirmed' "
                         "ORDER BY l.price_lamports, l.id").split()
    items, _ = walk(env, "limit=2&sort=price_asc")
    assert [i["id"] for i in items] == expect
    prices = [i["price_lamports"] for i in items]
    assert prices == sorted(prices)
    items, _ = walk(env, "limit=4&sort=price_desc")
    assert [i["id"] for i in items] == expect[::-1]


def test_filters(env, seeded):
    items, _ = walk(env, "limit=50&mint_type=long")
    assert items and all(i["mint_type"] == "long" for i in items)
    assert len(items) == int(env.pg.psql("SELECT count(*) FROM nfts WHERE status = 'confirmed' "
                                         "AND mint_type = 'long'"))
    bob = seeded["bob"].address
    items, _ = walk(env, "limit=3&owner=" + bob)
    assert sorted(i["id"] for i in items) == sorted(seeded["mints"]["bob"])
    items, _ = walk(env, "listed=true&limit=4")
    assert items and all("price_lamports" in i for i in items)
    assert {i["id"] for i in items} == set(env.pg.psql(
        "SELECT mint FROM listings WHERE status = 'listed'").split())
    items, _ = walk(env, "listed=true&mint_type=short&owner=" + seeded["alice"].address)
    assert all(i["mint_type"] == "short" and "price_lamports" in i for i in items)


@pytest.mark.parametrize("query, name", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"), ("limit=1e3", "limit"),
    ("limit=-1", "limit"), ("sort=cheapest", "sort"), ("mint_type=medium", "mint_type"),
    ("owner=0OIl", "owner"), ("owner=abc", "owner"), ("listed=yes", "listed"),
    ("cursor=zzz", "cursor"), ("cursor=p5.1", "cursor"), ("sort=price_asc&cursor=s5", "cursor"),
    ("colour=red", "colour"), ("limit=5&limit=6", "limit"), ("cursor=s-1", "cursor"),
])
def test_bad_parameters_are_400_naming_them(env, query, name):
    r = requests.get(env.url + "/marketplace/nfts?" + query)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "bad_parameter"
    assert "'%s'" % name in body["message"]


def test_one_nft_with_its_listing_history(env, seeded):
    mint = seeded["mints"]["alice"][0]
    r = requests.get(env.url + "/marketplace/nfts/" + mint)
    assert r.status_code == 200, r.text
    item = r.json()
    assert item["id"] == mint and item["owner"] == seeded["alice"].address
    assert item["listings"][0]["status"] == "listed"
    assert item["listings"][0]["price_lamports"] == 5 * 10**8


def test_unknown_nft_is_404_malformed_is_400(env, seeded):
    assert requests.get(env.url + "/marketplace/nfts/" + random_address()).status_code == 404
    pending = env.pg.psql("SELECT mint FROM nfts WHERE status = 'pending' LIMIT 1")
    assert requests.get(env.url + "/marketplace/nfts/" + pending).status_code == 404
    for bad in ("abc", "0" * 44, b58encode(os.urandom(31)), b58encode(os.urandom(33)), "I" * 40):
        r = requests.get(env.url + "/marketplace/nfts/" + bad)
        assert r.status_code == 400, bad
        assert r.json()["error"] == "bad_mint"


def test_post_on_the_list_is_405(env):
    r = requests.post(env.url + "/marketplace/nfts")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_list_and_delist_with_wallet_signatures(env, seeded):
    alice, bob = seeded["alice"], seeded["bob"]
    mint = seeded["mints"]["alice"][10]
    body = signed_list(alice, mint, 123456789)
    r = requests.post(env.url + "/marketplace/listings", json=body)
    assert r.status_code == 201, r.text
    listing = r.json()["listing"]
    assert listing["status"] == "listed" and listing["price_lamports"] == 123456789
    item = requests.get(env.url + "/marketplace/nfts/" + mint).json()
    assert item["price_lamports"] == 123456789 and item["listing_id"] == listing["id"]

    again = requests.post(env.url + "/marketplace/listings", json=body)          # replay
    assert again.status_code == 409 and again.json()["error"] == "nonce_used"
    second_body = signed_list(alice, mint, 5)
    second = requests.post(env.url + "/marketplace/listings", json=second_body)
    assert second.status_code == 409 and second.json()["error"] == "already_listed"

    # bob signs his own message naming himself: a valid signature, not the owner
    r = requests.post(env.url + "/marketplace/listings/%d/delist" % listing["id"],
                      json=signed_delist(bob, listing["id"], mint))
    assert r.status_code == 403 and r.json()["error"] == "not_owner"

    d = signed_delist(alice, listing["id"], mint)
    r = requests.post(env.url + "/marketplace/listings/%d/delist" % listing["id"], json=d)
    assert r.status_code == 200, r.text
    assert r.json()["listing"]["status"] == "delisted"
    assert "price_lamports" not in requests.get(env.url + "/marketplace/nfts/" + mint).json()
    r = requests.post(env.url + "/marketplace/listings/%d/delist" % listing["id"], json=d)
    assert r.status_code == 409
    # the message refused while the NFT was listed stays spent after delisting
    again = requests.post(env.url + "/marketplace/listings", json=second_body)
    assert again.status_code == 409 and again.json()["error"] == "nonce_used"


def test_listing_needs_the_token_on_chain(env, seeded):
    """An owner on record whose wallet does not hold the token (a row the
    chain never saw) may not list it."""
    bob = seeded["bob"]
    on_record_only = seeded["mints"]["bob"][0]
    r = requests.post(env.url + "/marketplace/listings", json=signed_list(bob, on_record_only, 10))
    assert r.status_code == 403 and "chain" in r.json()["message"]


def test_listing_refusals(env, seeded):
    alice, bob = seeded["alice"], seeded["bob"]
    mint = seeded["mints"]["alice"][11]
    before = env.pg.psql("SELECT count(*) FROM listings") + env.pg.psql(
        "SELECT count(*) FROM listing_nonces")
    cases = [
        (signed_list(bob, mint, 10), 403, "not_owner"),                   # wrong signer
        (signed_list(alice, mint, 10, signer=bob), 401, "bad_signature"),  # forged
        (signed_list(alice, mint, 10, expires_in=-5), 422, "expired"),
        (signed_list(alice, mint, 10, expires_in=7200), 422, "expiry_too_far"),
        (signed_list(alice, mint, 0), 400, "bad_price"),
        (dict(signed_list(alice, mint, 10), price_lamports="10"), 400, "bad_price"),
        (dict(signed_list(alice, mint, 10), price_lamports=1.5), 400, "bad_price"),
        (dict(signed_list(alice, mint, 10), mint="xyz"), 400, "bad_mint"),
        (dict(signed_list(alice, mint, 10), signature="abc"), 400, "bad_signature_format"),
        (dict(signed_list(alice, mint, 10), nonce="short"), 400, "bad_nonce"),
        (signed_list(alice, random_address(), 10), 404, "nft_not_found"),
        (dict(signed_list(alice, mint, 10), price_lamports=11), 401, "bad_signature"),
    ]
    for body, status, code in cases:
        r = requests.post(env.url + "/marketplace/listings", json=body)
        assert (r.status_code, r.json()["error"]) == (status, code), (body, r.text)
    r = requests.post(env.url + "/marketplace/listings", data="{not json",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "bad_json"
    r = requests.post(env.url + "/marketplace/listings", data="a=b")
    assert r.status_code == 415
    r = requests.post(env.url + "/marketplace/listings",
                      data="[" * 100 + "]" * 100, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = requests.post(env.url + "/marketplace/listings", data="x" * 10000,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert env.pg.psql("SELECT count(*) FROM listings") + env.pg.psql(
        "SELECT count(*) FROM listing_nonces") == before


def test_two_concurrent_listings_leave_one_active(env, seeded):
    alice = seeded["alice"]
    mint = seeded["mints"]["alice"][12]
    bodies = [signed_list(alice, mint, 1000 + k) for k in range(2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda b: requests.post(env.url + "/marketplace/listings", json=b),
                                bodies))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert env.pg.psql("SELECT count(*) FROM listings WHERE mint = '%s' AND status = 'listed'"
                       % mint) == "1"


def test_database_down_is_503_then_recovers(env, seeded):
    env.expect_error(r"\[dbd:error\]|QNFT014|QNFT015")
    env.pg.stop()
    try:
        t0 = time.time()
        r = requests.get(env.url + "/marketplace/nfts", timeout=30)
        assert time.time() - t0 < 5
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.json()["error"] == "database_unavailable"
    finally:
        env.pg.start()
    for _ in range(6):       # every pooled connection recovers by itself
        r = requests.get(env.url + "/marketplace/nfts?limit=3")
        assert r.status_code == 200 and len(r.json()) == 3
