"""Minting on the local chain (litesvm): real transactions, real programs."""

import base64
import json
import os
import struct
import time
import uuid

import pytest
import requests

from solana_keys import Wallet, b58decode, b58encode, random_address
from conftest import UPLOAD_HEADERS

TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"


@pytest.fixture(scope="module")
def art(env, photos):
    with open(os.path.join(photos, "coffee.png"), "rb") as f:
        image_id = requests.post(env.url + "/upload_image", headers=UPLOAD_HEADERS,
                                 files={"file": ("c.png", f.read())}).json()["file_id"]
    gif_id = requests.get(env.url + "/generate_gif/" + image_id).json()["gif_id"]
    return {"image_id": image_id, "gif_id": gif_id}


def mint(env, art, owner_address, sign="server", key=None, **extra):
    body = {"image_id": art["image_id"], "gif_id": art["gif_id"], "mint_type": "long",
            "owner": owner_address, "sign": sign}
    body.update(extra)
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(env.url + "/mint_nft", json=body, headers=headers, timeout=60)


def account(env, address):
    info = env.stack.chain.rpc("getAccountInfo", [address, {"encoding": "base64"}])["value"]
    return info and (info["owner"], base64.b64decode(info["data"][0]))


def borsh_str(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def test_server_signed_token2022_mint_executes(env, art):
    owner = Wallet()
    r = mint(env, art, owner.address, user_description="<script>alert(1)</script> & more")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    assert body["name"].startswith("QNFT #")
    assert len(b58decode(body["mint"])) == 32 and len(b58decode(body["transaction_id"])) == 64
    assert "explorer.solana.com/tx/" + body["transaction_id"] in body["explorer_url"]

    # the mint account on chain: Token-2022, supply 1, decimals 0, no mint authority
    prog, data = account(env, body["mint"])
    assert prog == TOKEN_2022
    assert data[0:4] == b"\0\0\0\0"                       # mint authority: None
    assert struct.unpack("<Q", data[36:44])[0] == 1        # supply
    assert data[44] == 0 and data[45] == 1                 # decimals, initialized
    # the metadata on the mint itself: name, symbol, uri as sent, and the extra field
    for piece in (borsh_str(body["name"]), borsh_str("QNFT"), borsh_str(body["metadata_uri"]),
                  borsh_str("mint_type") + borsh_str("long")):
        assert piece in data
    # the owner's token account holds the one token
    accts = env.stack.chain.rpc("getTokenAccountsByOwner",
                                [owner.address, {"mint": body["mint"]}, {"encoding": "base64"}])
    assert len(accts["value"]) == 1
    raw = base64.b64decode(accts["value"][0]["account"]["data"][0])
    assert struct.unpack("<Q", raw[64:72])[0] == 1

    # the metadata document is served by Apache and is what the answer says
    meta = requests.get(body["metadata_uri"])
    assert meta.status_code == 200
    assert meta.json() == body["raw_metadata"]
    md = body["raw_metadata"]
    assert md["symbol"] == "QNFT" and md["seller_fee_basis_points"] == 500
    assert md["image"] == md["animation_url"] and md["image"].endswith(art["gif_id"] + ".gif")
    assert md["description"].startswith("<script>alert(1)</script> & more | ")
    assert {"trait_type": "Mint Type", "value": "Long"} in md["attributes"]
    assert md["properties"]["files"][1]["type"] == "image/png"
    assert md["properties"]["creators"] == [{"address": env.stack.signer_address, "share": 100}]

    # recorded and listed
    state = requests.get(env.url + "/mint_nft/" + body["mint"]).json()
    assert state["status"] == "confirmed"
    item = requests.get(env.url + "/marketplace/nfts/" + body["mint"]).json()
    assert item["owner"] == owner.address and item["transaction_id"] == body["transaction_id"]
    assert item["description"] == "<script>alert(1)</script> & more"
    newest = requests.get(env.url + "/marketplace/nfts?limit=100&sort=newest").json()
    assert body["mint"] in [i["id"] for i in newest]


def sign_prepared(tx_b64, wallet):
    raw = bytearray(base64.b64decode(tx_b64))
    nsig = raw[0]                                   # < 128: one shortvec byte
    message = bytes(raw[1 + 64 * nsig:])
    sig = b58decode(wallet.sign(message))
    raw[1:65] = sig                                 # the fee payer signs first
    return raw


def test_wallet_signed_mint_pays_the_fee(env, art):
    owner = Wallet()
    env.stack.chain.rpc("requestAirdrop", [owner.address, 2 * 10**9])
    admin = env.stack.signer_address
    before = env.stack.chain.rpc("getBalance", [admin])["value"]
    r = mint(env, art, owner.address, sign="wallet")
    assert r.status_code == 200, r.text
    prepared = r.json()
    assert prepared["status"] == "prepared"
    raw = sign_prepared(prepared["transaction"], owner)

    tampered = bytearray(raw)
    tampered[-1] ^= 1                               # one byte of the message
    bad = requests.post(env.url + "/mint_nft/submit",
                        json={"mint": prepared["mint"],
                              "transaction": base64.b64encode(bytes(tampered)).decode()})
    assert bad.status_code == 400 and bad.json()["error"] == "transaction_changed"
    forged = bytearray(raw)
    forged[5] ^= 1                                  # one byte of the owner's signature
    bad = requests.post(env.url + "/mint_nft/submit",
                        json={"mint": prepared["mint"],
                              "transaction": base64.b64encode(bytes(forged)).decode()})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_signatures"

    r = requests.post(env.url + "/mint_nft/submit",
                      json={"mint": prepared["mint"], "transaction": base64.b64encode(bytes(raw)).decode()})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "success"
    after = env.stack.chain.rpc("getBalance", [admin])["value"]
    assert after - before == prepared["fee_lamports"] == 20000000
    accts = env.stack.chain.rpc("getTokenAccountsByOwner",
                                [owner.address, {"mint": prepared["mint"]}, {"encoding": "base64"}])
    assert struct.unpack("<Q", base64.b64decode(accts["value"][0]["account"]["data"][0])[64:72])[0] == 1
    again = requests.post(env.url + "/mint_nft/submit",
                          json={"mint": prepared["mint"], "transaction": base64.b64encode(bytes(raw)).decode()})
    assert again.status_code == 200 and again.json()["status"] == "confirmed"
    assert again.json()["mint"] == prepared["mint"]
    assert env.pg.psql("SELECT count(*) FROM nfts WHERE mint = '%s'" % prepared["mint"]) == "1"


def test_unfunded_wallet_is_402(env, art):
    r = mint(env, art, Wallet().address, sign="wallet")
    assert r.status_code == 402, r.text
    assert r.json()["error"] == "insufficient_balance"


def test_same_idempotency_key_mints_once(env, art):
    owner, key = Wallet(), uuid.uuid4().hex
    a = mint(env, art, owner.address, key=key)
    b = mint(env, art, owner.address, key=key)
    assert a.status_code == 200, a.text
    assert b.status_code == 200, b.text
    assert a.json()["mint"] == b.json()["mint"]
    assert env.pg.psql("SELECT count(*) FROM nfts WHERE owner = '%s'" % owner.address) == "1"
    other = mint(env, art, owner.address, key=key, mint_type="short")
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"


@pytest.mark.parametrize("change, code", [
    ({"image_id": "x"}, "bad_image_id"), ({"gif_id": "0" * 63}, "bad_gif_id"),
    ({"mint_type": "sideways"}, "bad_mint_type"), ({"owner": "not-an-address"}, "bad_owner"),
    ({"user_description": "x" * 501}, "bad_description"), ({"sign": "nobody"}, "bad_sign"),
])
def test_bad_fields_are_400(env, art, change, code):
    before = env.pg.psql("SELECT count(*) FROM nfts")
    r = mint(env, art, Wallet().address, **change)
    assert r.status_code == 400 and r.json()["error"] == code, r.text
    assert env.pg.psql("SELECT count(*) FROM nfts") == before


def test_unknown_gif_is_404(env, art):
    r = mint(env, dict(art, gif_id="f" * 64), Wallet().address)
    assert r.status_code == 404 and r.json()["error"] == "gif_not_found"


def test_status_of_unknown_and_malformed_mints(env):
    assert requests.get(env.url + "/mint_nft/" + random_address()).status_code == 404
    assert requests.get(env.url + "/mint_nft/abc").status_code == 400


def test_rpc_down_is_502_and_a_lost_answer_resolves_later(env, art):
    env.expect_error(r"QNFT01601")
    chain = env.stack.chain
    chain.stop()
    try:
        r = mint(env, art, Wallet().address)
        assert r.status_code == 502, r.text
        assert r.json()["error"] == "rpc_unavailable"
    finally:
        chain.start()
    # a node that processes the transaction and dies before answering
    chain.rpc("qnftTest_mode", ["hang_after_send"])
    owner = Wallet()
    try:
        r = mint(env, art, owner.address)
        assert r.status_code == 504, r.text
        assert r.json()["error"] == "rpc_timeout"
    finally:
        chain.stop()
        chain.start()
    mint_addr = env.pg.psql("SELECT mint FROM nfts WHERE owner = '%s'" % owner.address)
    assert env.pg.psql("SELECT status FROM nfts WHERE mint = '%s'" % mint_addr) == "pending"
    assert requests.get(env.url + "/marketplace/nfts/" + mint_addr).status_code == 404
    state = requests.get(env.url + "/mint_nft/" + mint_addr)
    assert state.status_code == 200 and state.json()["status"] == "confirmed"
    assert env.pg.psql("SELECT status FROM nfts WHERE mint = '%s'" % mint_addr) == "confirmed"


def test_deadline_passing_gives_202_and_the_status_url_settles_it(env, art):
    chain = env.stack.chain
    owner = Wallet()
    chain.rpc("qnftTest_mode", ["hide_status"])
    try:
        t0 = time.time()
        r = mint(env, art, owner.address)
        assert r.status_code == 202, r.text
        assert time.time() - t0 >= 9           # QNFTMintDeadline 10 in the test config
        body = r.json()
        assert body["status"] == "pending"
        status = requests.get(body["status_url"])
        assert status.status_code == 202 and status.json()["status"] == "pending"
    finally:
        chain.rpc("qnftTest_mode", ["normal"])
    settled = requests.get(body["status_url"])
    assert settled.status_code == 200 and settled.json()["status"] == "confirmed"


def mint_with_chain_mode(env, art, mode):
    """A keyed server-signed mint while the chain is in a test mode:
    (answer, owner, key); the chain is normal again after."""
    owner, key = random_address(), str(uuid.uuid4())
    env.stack.chain.rpc("qnftTest_mode", [mode])
    try:
        return mint(env, art, owner, key=key), owner, key
    finally:
        env.stack.chain.rpc("qnftTest_mode", ["normal"])


def test_a_refused_studio_mint_fails_at_once_and_its_key_answers_so(env, art):
    """Preflight refused the studio's own transaction: the node did not
    forward it and nobody else holds it, so the row is failed at once and
    the same key answers that failure."""
    env.expect_error(r"QNFT01608: mint: .* refused: Transaction simulation failed")
    r, owner, key = mint_with_chain_mode(env, art, "refuse_next_send")
    assert r.status_code == 502 and r.json()["error"] == "transaction_refused", r.text
    assert "nothing was minted" in r.json()["message"]
    row = env.pg.psql("SELECT n.status, n.mint FROM nfts n JOIN mint_requests k"
                      " ON k.mint = n.mint WHERE k.idempotency_key = '%s'" % key)
    status, address = row.split("|")
    assert status == "failed"
    again = mint(env, art, owner, key=key)
    assert again.status_code == 502 and again.json()["status"] == "failed", again.text
    assert again.json()["mint"] == address
    assert env.stack.chain.rpc("getAccountInfo", [address])["value"] is None


def test_another_send_error_leaves_the_mint_pending(env, art):
    """An error that is not a preflight refusal may come after the node
    forwarded the transaction: pending, for the chain to settle."""
    env.expect_error(r"QNFT01601: mint: sending the transaction: Internal error")
    r, owner, key = mint_with_chain_mode(env, art, "error_next_send")
    assert r.status_code == 502 and r.json()["error"] == "rpc_unavailable", r.text
    assert env.pg.psql("SELECT n.status FROM nfts n JOIN mint_requests k ON k.mint = n.mint"
                       " WHERE k.idempotency_key = '%s'" % key) == "pending"
    again = mint(env, art, owner, key=key)
    assert again.status_code == 202 and again.json()["status"] == "pending", again.text


def test_decode_tx_cli(env, art):
    import subprocess
    owner = Wallet()
    env.stack.chain.rpc("requestAirdrop", [owner.address, 10**9])
    prepared = mint(env, art, owner.address, sign="wallet").json()
    out = subprocess.run([os.path.join(env.stack.build_dir, "qnft"), "decode-tx",
                          prepared["transaction"]], capture_output=True, text=True, check=True)
    decoded = json.loads(out.stdout)
    text = json.dumps(decoded)
    assert owner.address in text and prepared["mint"] in text and TOKEN_2022 in text
    assert decoded["signatures_valid"] is False      # the wallet has not signed yet


def test_same_idempotency_key_prepares_one_wallet_mint(env, art):
    owner, key = Wallet(), uuid.uuid4().hex
    env.stack.chain.rpc("requestAirdrop", [owner.address, 10**9])
    a = mint(env, art, owner.address, sign="wallet", key=key)
    b = mint(env, art, owner.address, sign="wallet", key=key)
    assert a.status_code == 200 and b.status_code == 200, (a.text, b.text)
    assert a.json()["mint"] == b.json()["mint"]
    assert a.json()["transaction"] == b.json()["transaction"]
    assert env.pg.psql("SELECT count(*) FROM mint_prepared WHERE owner = '%s'"
                       % owner.address) == "1"
    raw = sign_prepared(a.json()["transaction"], owner)
    r = requests.post(env.url + "/mint_nft/submit",
                      json={"mint": a.json()["mint"], "transaction": base64.b64encode(bytes(raw)).decode()})
    assert r.status_code == 200, r.text
    c = mint(env, art, owner.address, sign="wallet", key=key)
    assert c.status_code == 200 and c.json()["status"] == "confirmed"
    assert c.json()["mint"] == a.json()["mint"]


def test_wallet_mint_keeps_the_studio_as_update_authority(env, art):
    owner = Wallet()
    env.stack.chain.rpc("requestAirdrop", [owner.address, 10**9])
    prepared = mint(env, art, owner.address, sign="wallet").json()
    raw = sign_prepared(prepared["transaction"], owner)
    r = requests.post(env.url + "/mint_nft/submit",
                      json={"mint": prepared["mint"], "transaction": base64.b64encode(bytes(raw)).decode()})
    assert r.status_code == 200, r.text
    _, data = account(env, prepared["mint"])
    # token-metadata: update authority (32) then the mint (32) before the name
    name = borsh_str(prepared["name"])
    at = data.index(name)
    assert data[at - 64:at - 32] == b58decode(env.stack.signer_address)
    assert data[at - 32:at] == b58decode(prepared["mint"])
