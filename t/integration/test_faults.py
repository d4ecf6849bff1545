"""Faults: a full disk, a quota, unwritable storage, an Apache child killed
in the middle of an upload, PostgreSQL restarted under traffic and the RPC
node killed in the middle of a burst of mints. Every answer stays JSON with
the right status, nothing is left half-written, and the server recovers by
itself once the fault is gone.

The storage faults run on a server of their own whose storage directory is
a real file system made for the test (a small tmpfs; btrfs with a qgroup
limit for the quota), mounted before the server starts and unmounted after."""

import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest
import requests
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import qnft_stack  # noqa: E402
from conftest import ERROR_LINE  # noqa: E402

CSRF = {"X-Requested-With": "qnft-faults"}
TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
JSON_TYPE = "application/json; charset=utf-8"
ONE_PROCESS = "StartServers 1\nServerLimit 1\nThreadsPerChild 16\nMaxRequestWorkers 16\n"


# --- helpers -----------------------------------------------------------------

def unique_photo(photos, name="chelsea.png"):
    """A real photo made unique (two pixels changed), so no other test or
    server has stored it or rendered its GIF."""
    img = Image.open(os.path.join(photos, name)).convert("RGB")
    seed = random.getrandbits(24)
    img.putpixel((0, 0), (seed & 255, (seed >> 8) & 255, (seed >> 16) & 255))
    img.putpixel((1, 0), (random.getrandbits(8), random.getrandbits(8), 7))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def fresh_png(seed):
    img = Image.new("RGB", (48, 40), (seed % 251, (seed * 7) % 253, (seed * 13) % 255))
    for i in range(4):
        img.putpixel(((seed >> (i * 5)) % 48, i), ((seed >> 8) & 255, i, seed & 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def upload(url, data, name="photo.png", timeout=60):
    return requests.post(url + "/upload_image", files={"file": (name, data, "image/png")},
                         headers=CSRF, timeout=timeout)


def assert_json_error(r, status, code=None):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == JSON_TYPE, r.headers
    body = r.json()
    assert body["status"] == "error" and body["message"], body
    if code:
        assert body["error"] == code, body
    return body


def image_rows(db, image_id):
    return int(db.psql("SELECT count(*) FROM images WHERE id = '%s'" % image_id))


def gif_rows(db, image_id):
    return int(db.psql("SELECT count(*) FROM gifs WHERE image_id = '%s'" % image_id))


def area(storage, name="uploads"):
    return sorted(os.listdir(os.path.join(storage, name)))


def temp_files(storage, name="uploads"):
    return [n for n in area(storage, name) if n.startswith(".")]


def named(storage, image_id, name="uploads"):
    return [n for n in area(storage, name) if n.startswith(image_id)]


def run(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True)


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path, leave):
    """Write a filler file (root's, never served) until only `leave` bytes
    are free on the file system of path."""
    filler = os.path.join(path, "filler")
    with open(filler, "ab") as f:
        chunk = b"\0" * 65536
        while free_bytes(path) > leave:
            n = min(len(chunk), free_bytes(path) - leave)
            try:
                f.write(chunk[:max(n, 4096)])
                f.flush()
            except OSError:
                break
    return filler


class FaultsDb:
    """A database of its own in the session's cluster for the fault
    servers: their rows name files in their own storage, which is gone
    after the test, and must not meet the main server's checks."""

    NAME = "qnft_faults"

    def __init__(self, env):
        self.pg = env.pg
        self.params = ("host=127.0.0.1 port=%d dbname=%s user=qnft connect_timeout=3"
                       % (env.pg.port, self.NAME))
        base = ["-h", "127.0.0.1", "-p", str(env.pg.port), "-U", "qnft"]
        exists = subprocess.run(["psql"] + base + ["-d", "postgres", "-Atc",
                                "SELECT 1 FROM pg_database WHERE datname = '%s'" % self.NAME],
                                check=True, capture_output=True, text=True).stdout.strip()
        if exists != "1":
            subprocess.run(["createdb"] + base + [self.NAME], check=True, capture_output=True)
        subprocess.run([os.path.join(env.stack.build_dir, "qnft"), "migrate", "--db", self.params,
                        "--sql", os.path.join(qnft_stack.SRC, "sql")], check=True,
                       capture_output=True, text=True)
        self.base = base

    def psql(self, sql):
        return subprocess.run(["psql"] + self.base + ["-d", self.NAME, "-v", "ON_ERROR_STOP=1",
                              "-Atc", sql], check=True, capture_output=True,
                              text=True).stdout.strip()


class FaultServer:
    """A one-process httpd on the session's cluster (its own database),
    chain and price stand-in, whose storage directory is prepared (mounted)
    by the caller before it starts."""

    def __init__(self, env, prepare=None, directives=""):
        self.env = env
        self.db = FaultsDb(env)
        self.base = tempfile.mkdtemp(prefix="qnft-fault-")
        os.chmod(self.base, 0o755)
        self.httpd = qnft_stack.Httpd(self.base, env.pg.port, env.stack.build_dir,
                                      chain_port=env.stack.chain.port, signer=env.stack.signer,
                                      price_url=env.stack.prices.url)
        self.storage = self.httpd.storage
        self.url = self.httpd.url
        self.mounts = []
        self.prepare = prepare
        self.directives = directives

    def start(self):
        os.makedirs(self.storage, exist_ok=True)
        if self.prepare:
            self.prepare(self)
        self.httpd.write(extra=ONE_PROCESS + 'DBDParams "%s"\n' % self.db.params
                         + self.directives)
        self.httpd.start()

    def mount(self, argv, what):
        r = run(*argv)
        if r.returncode != 0:
            pytest.skip("cannot mount %s here (%s): the storage fault needs a real file "
                        "system of its own" % (what, (r.stderr or r.stdout).strip()))
        self.mounts.append(argv[-1])

    def children(self):
        parent = self.httpd.pid()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                pids.append(int(d))
        return pids

    def child(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pids = self.children()
            if len(pids) == 1:
                return pids[0]
            time.sleep(0.1)
        raise AssertionError("expected one child of %s, found %s" % (self.httpd.pid(), pids))

    def errors(self, allowed=()):
        """Error-log lines of this server beyond those allowed. AH10159
        (MinSpareThreads within MaxRequestWorkers) is the one-process
        configuration's own."""
        allowed = list(allowed) + [r"AH10159"]
        return [line for line in self.httpd.log_since(0).splitlines()
                if ERROR_LINE.search(line) and not any(re.search(p, line) for p in allowed)]

    def stop(self):
        self.httpd.stop()
        for m in reversed(self.mounts):
            if run("umount", m).returncode != 0:
                run("umount", "-l", m)
        self.mounts = []
        if not os.environ.get("QNFT_KEEP"):
            shutil.rmtree(self.base, ignore_errors=True)


def tmpfs(size):
    def prepare(srv):
        srv.mount(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "qnft-faults",
                   srv.storage], "a tmpfs")
    return prepare


STORAGE_ERROR = r"QNFT01003"


# --- 1. disk full ------------------------------------------------------------

@pytest.fixture(scope="module")
def small_disk(env):
    srv = FaultServer(env, tmpfs("8m"))
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def test_disk_full_during_upload_is_507_and_leaves_nothing(env, photos, small_disk):
    srv = small_disk
    data = unique_photo(photos, "astronaut.png")     # ~800 kB
    image_id = hashlib.sha256(data).hexdigest()
    filler = fill(srv.storage, leave=200 * 1024)
    offset = srv.httpd.log_offset()
    try:
        r = upload(srv.url, data)
        body = assert_json_error(r, 507, "insufficient_storage")
        assert "/" not in body["message"]
        assert named(srv.storage, image_id) == []
        assert temp_files(srv.storage) == []
        assert image_rows(srv.db, image_id) == 0
    finally:
        os.unlink(filler)
    errors = [l for l in srv.httpd.log_since(offset).splitlines() if ERROR_LINE.search(l)]
    assert len(errors) == 1 and "QNFT01003" in errors[0] and "No space left" in errors[0], errors

    r = upload(srv.url, data)
    assert r.status_code == 200, r.text
    assert r.json()["file_id"] == image_id
    assert named(srv.storage, image_id) == [image_id + ".png"]
    assert os.path.getsize(os.path.join(srv.storage, "uploads", image_id + ".png")) == len(data)
    assert temp_files(srv.storage) == []
    assert image_rows(srv.db, image_id) == 1


def test_disk_full_during_gif_render_is_507_and_leaves_nothing(env, photos, small_disk):
    srv = small_disk
    data = unique_photo(photos, "chelsea.png")
    image_id = hashlib.sha256(data).hexdigest()
    assert upload(srv.url, data).status_code == 200
    before = area(srv.storage, "gifs")
    filler = fill(srv.storage, leave=48 * 1024)
    try:
        r = requests.get(srv.url + "/generate_gif/" + image_id, timeout=60)
        assert_json_error(r, 507, "insufficient_storage")
        assert area(srv.storage, "gifs") == before          # no GIF, no temporary file
        assert gif_rows(srv.db, image_id) == 0
    finally:
        os.unlink(filler)
    assert srv.errors(allowed=[STORAGE_ERROR]) == []

    r = requests.get(srv.url + "/generate_gif/" + image_id, timeout=60)
    assert r.status_code == 200, r.text
    gif = r.json()
    assert area(srv.storage, "gifs") == sorted(before + [gif["gif_id"] + ".gif"])
    assert os.path.getsize(os.path.join(srv.storage, "gifs", gif["gif_id"] + ".gif")) \
        == gif["bytes"]
    assert gif_rows(srv.db, image_id) == 1


def test_disk_full_before_a_mint_is_507_and_nothing_is_minted(env, photos, small_disk):
    """The NFT's metadata file is written before the transaction is built:
    no room for it, no mint on chain and no row."""
    from solana_keys import random_address
    srv = small_disk
    image_id = upload(srv.url, fresh_png(random.getrandbits(30))).json()["file_id"]
    gif = requests.get(srv.url + "/generate_gif/" + image_id, timeout=60)
    assert gif.status_code == 200, gif.text
    owner = random_address()
    body = {"image_id": image_id, "gif_id": gif.json()["gif_id"], "mint_type": "long",
            "owner": owner, "sign": "server"}
    before = area(srv.storage, "meta")
    offset = srv.httpd.log_offset()
    filler = fill(srv.storage, leave=0)
    try:
        r = requests.post(srv.url + "/mint_nft", json=body, timeout=60)
        assert_json_error(r, 507, "insufficient_storage")
        assert area(srv.storage, "meta") == before
        assert srv.db.psql("SELECT count(*) FROM nfts WHERE owner = '%s'" % owner) == "0"
        assert env.stack.chain.rpc("getTokenAccountsByOwner", [
            owner, {"programId": TOKEN_2022}, {"encoding": "base64"}])["value"] == []
    finally:
        os.unlink(filler)
    errors = [l for l in srv.httpd.log_since(offset).splitlines() if ERROR_LINE.search(l)]
    assert len(errors) == 1 and "QNFT01003" in errors[0], errors

    r = requests.post(srv.url + "/mint_nft", json=body, timeout=60)
    assert r.status_code == 200, r.text
    assert area(srv.storage, "meta") == sorted(before + [r.json()["mint"] + ".json"])


# --- 1b. a quota (EDQUOT) ----------------------------------------------------

def btrfs_with_quota(srv):
    if not shutil.which("mkfs.btrfs") or not shutil.which("btrfs"):
        pytest.skip("btrfs-progs is not installed: no file system with a quota to test "
                    "EDQUOT on (tmpfs quotas are not built into this kernel)")
    image = os.path.join(srv.base, "btrfs.img")
    with open(image, "wb") as f:
        f.truncate(160 * 1024 * 1024)           # sparse; btrfs wants ~114 MB at least
    r = run("mkfs.btrfs", "-q", "-f", image)
    if r.returncode != 0:
        pytest.skip("mkfs.btrfs failed: " + r.stderr.strip())
    srv.mount(["mount", "-o", "loop", image, srv.storage], "a loop-mounted btrfs")
    os.chmod(srv.storage, 0o755)
    for argv in (["btrfs", "quota", "enable", srv.storage],
                 ["btrfs", "qgroup", "limit", "400k", srv.storage]):
        r = run(*argv)
        if r.returncode != 0:
            pytest.skip("%s failed: %s" % (" ".join(argv[:3]), r.stderr.strip()))


def test_quota_exceeded_during_upload_is_507(env, photos):
    srv = FaultServer(env, btrfs_with_quota)
    try:
        srv.start()
        data = unique_photo(photos, "astronaut.png")     # ~800 kB > the 400 kB quota
        image_id = hashlib.sha256(data).hexdigest()
        r = upload(srv.url, data)
        assert_json_error(r, 507, "insufficient_storage")
        assert named(srv.storage, image_id) == [] and temp_files(srv.storage) == []
        assert image_rows(srv.db, image_id) == 0
        assert any("QNFT01003" in line for line in srv.httpd.log_since(0).splitlines())
        assert srv.errors(allowed=[STORAGE_ERROR]) == []

        assert run("btrfs", "qgroup", "limit", "none", srv.storage).returncode == 0
        r = upload(srv.url, data)
        assert r.status_code == 200, r.text
        assert named(srv.storage, image_id) == [image_id + ".png"]
        assert image_rows(srv.db, image_id) == 1
    finally:
        srv.stop()


# --- 2. unwritable storage ---------------------------------------------------

def assert_unavailable(r):
    body = assert_json_error(r, 503, "storage_unavailable")
    assert int(r.headers["Retry-After"]) > 0
    return body


def test_read_only_directories_are_503_then_recover(env, photos):
    """The areas made read-only (chmod 0555) while the server runs: the
    children (www-data) get EACCES."""
    env.expect_error(STORAGE_ERROR)
    uploads = os.path.join(env.storage, "uploads")
    gifs = os.path.join(env.storage, "gifs")
    # an image stored before, to render a GIF of while gifs/ is read-only
    ready = unique_photo(photos, "coffee.png")
    ready_id = hashlib.sha256(ready).hexdigest()
    assert upload(env.url, ready).status_code == 200

    data = unique_photo(photos, "chelsea.png")
    image_id = hashlib.sha256(data).hexdigest()
    offset = env.httpd.log_offset()
    modes = {d: os.stat(d).st_mode & 0o7777 for d in (uploads, gifs)}
    before = {d: sorted(os.listdir(d)) for d in (uploads, gifs)}
    for d in (uploads, gifs):
        os.chmod(d, 0o555)
    try:
        assert_unavailable(upload(env.url, data))
        assert_unavailable(requests.get(env.url + "/generate_gif/" + ready_id, timeout=60))
        assert {d: sorted(os.listdir(d)) for d in (uploads, gifs)} == before
        assert image_rows(env.pg, image_id) == 0
        assert gif_rows(env.pg, ready_id) == 0
    finally:
        for d, m in modes.items():
            os.chmod(d, m)
    errors = [l for l in env.httpd.log_since(offset).splitlines() if ERROR_LINE.search(l)]
    assert len(errors) == 2, errors           # one line per refused request
    assert all("QNFT01003" in l and "Permission denied" in l for l in errors), errors

    r = upload(env.url, data)
    assert r.status_code == 200, r.text
    assert os.path.exists(os.path.join(uploads, image_id + ".png"))
    assert image_rows(env.pg, image_id) == 1
    r = requests.get(env.url + "/generate_gif/" + ready_id, timeout=60)
    assert r.status_code == 200, r.text
    assert gif_rows(env.pg, ready_id) == 1


def test_read_only_file_system_is_503_then_recovers(env, photos, small_disk):
    """The storage's file system remounted read-only (EROFS) under a
    running server, then read-write again."""
    srv = small_disk
    data = unique_photo(photos, "rocket.jpg")
    image_id = hashlib.sha256(data).hexdigest()
    offset = srv.httpd.log_offset()
    assert run("mount", "-o", "remount,ro", srv.storage).returncode == 0
    try:
        assert_unavailable(upload(srv.url, data))
        assert named(srv.storage, image_id) == [] and temp_files(srv.storage) == []
        assert image_rows(srv.db, image_id) == 0
    finally:
        assert run("mount", "-o", "remount,rw", srv.storage).returncode == 0
    assert any("QNFT01003" in l and "Read-only file system" in l
               for l in srv.httpd.log_since(offset).splitlines())
    r = upload(srv.url, data)
    assert r.status_code == 200, r.text
    assert named(srv.storage, image_id) == [image_id + ".png"]
    assert image_rows(srv.db, image_id) == 1


# --- 3. a child killed in the middle of an upload ----------------------------

def multipart(data, name="photo.png"):
    boundary = "qnftfaults" + uuid.uuid4().hex
    head = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
            "Content-Type: image/png\r\n\r\n" % (boundary, name)).encode()
    return boundary, head + data + ("\r\n--%s--\r\n" % boundary).encode()


def wait_for(cond, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def respawned(srv, old, timeout=20):
    return wait_for(lambda: [p for p in srv.children() if p != old], timeout,
                    "the parent to start a new child")[0]


def test_child_killed_mid_upload_leaves_no_file_and_the_leftover_is_swept(env, photos):
    srv = FaultServer(env)
    try:
        srv.start()
        data = unique_photo(photos, "astronaut.png")
        image_id = hashlib.sha256(data).hexdigest()
        boundary, body = multipart(data)
        child = srv.child()

        s = socket.create_connection(("127.0.0.1", srv.httpd.port), timeout=30)
        try:
            s.sendall(("POST /upload_image HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                       "X-Requested-With: qnft-faults\r\n"
                       "Content-Type: multipart/form-data; boundary=%s\r\n"
                       "Content-Length: %d\r\n\r\n" % (srv.httpd.port, boundary, len(body))
                       ).encode())
            s.sendall(body[:len(body) // 2])
            # the handler streams the file part into a temporary file
            tmp = wait_for(lambda: [n for n in temp_files(srv.storage)
                                    if os.path.getsize(os.path.join(srv.storage, "uploads", n))
                                    > 64 * 1024], what="the upload's temporary file")
            os.kill(child, signal.SIGKILL)
            s.settimeout(10)
            try:
                assert s.recv(4096) == b""           # no answer: the process is gone
            except ConnectionResetError:
                pass
        finally:
            s.close()

        # the parent replaces the child; the new one sweeps at start, but only
        # files old enough to belong to no upload still running
        new = respawned(srv, child)
        assert named(srv.storage, image_id) == []
        assert temp_files(srv.storage) == tmp
        assert image_rows(srv.db, image_id) == 0

        # the leftover ages past the sweep's limit (one hour); the next child
        # (here: after the next crash) removes it when it starts
        old = time.time() - 2 * 3600
        os.utime(os.path.join(srv.storage, "uploads", tmp[0]), (old, old))
        os.kill(new, signal.SIGKILL)
        respawned(srv, new)
        wait_for(lambda: temp_files(srv.storage) == [], what="the sweep")
        log = srv.httpd.log_since(0)
        assert "QNFT00004" in log and "removed 1 stale temporary file" in log

        r = upload(srv.url, data)
        assert r.status_code == 200, r.text
        assert named(srv.storage, image_id) == [image_id + ".png"]
        assert temp_files(srv.storage) == []
        assert image_rows(srv.db, image_id) == 1
        assert srv.errors() == []
    finally:
        srv.stop()


# --- 4. PostgreSQL stopped and started under traffic -------------------------

DB_ERRORS = r"\[dbd:error\]|QNFT011\d\d|QNFT01203|QNFT014\d\d|QNFT0130[3-6]"


def confirmed_nft(env, photos):
    """At least one confirmed NFT, so an empty marketplace page is a lie."""
    if env.pg.psql("SELECT count(*) FROM nfts WHERE status = 'confirmed'") != "0":
        return
    from solana_keys import Wallet
    image_id = upload(env.url, unique_photo(photos, "coffee.png")).json()["file_id"]
    gif_id = requests.get(env.url + "/generate_gif/" + image_id, timeout=60).json()["gif_id"]
    r = requests.post(env.url + "/mint_nft", json={
        "image_id": image_id, "gif_id": gif_id, "mint_type": "long",
        "owner": Wallet().address, "sign": "server"}, timeout=60)
    assert r.status_code == 200, r.text


def row_counts(env, image_ids):
    """{id: number of rows} for many ids in one query."""
    if not image_ids:
        return {}
    out = env.pg.psql("SELECT id, count(*) FROM images WHERE id IN (%s) GROUP BY id"
                      % ",".join("'%s'" % i for i in set(image_ids)))
    return {line.split("|")[0]: int(line.split("|")[1]) for line in out.splitlines()}


class Load:
    """Concurrent distinct uploads and marketplace reads, each request
    recorded with its answer."""

    def __init__(self, url, uploaders=4, readers=2, timeout=30):
        self.url = url
        self.timeout = timeout
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results = []
        self.seed = random.getrandbits(40)
        self.counter = 0
        self.threads = ([threading.Thread(target=self.uploader) for _ in range(uploaders)]
                        + [threading.Thread(target=self.reader) for _ in range(readers)])

    def record(self, kind, key, fn):
        t0 = time.time()
        try:
            r = fn()
            item = (kind, key, r.status_code, dict(r.headers), r.text, time.time() - t0, t0)
        except requests.RequestException as e:
            item = (kind, key, None, {}, repr(e), time.time() - t0, t0)
        with self.lock:
            self.results.append(item)

    def uploader(self):
        while not self.stop.is_set():
            with self.lock:
                self.counter += 1
                n = self.seed + self.counter
            data = fresh_png(n)
            self.record("upload", (hashlib.sha256(data).hexdigest(), data),
                        lambda: upload(self.url, data, timeout=self.timeout))
            time.sleep(0.05)

    def reader(self):
        while not self.stop.is_set():
            self.record("market", None, lambda: requests.get(
                self.url + "/marketplace/nfts?limit=5", timeout=self.timeout))
            time.sleep(0.05)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(self.timeout + 10)


def stop_postgres(env, mode):
    """fast: the server ends its sessions and stops; immediate: it quits
    at once, as in a crash, and recovers from its WAL when started."""
    if mode == "fast":
        env.pg.stop()
    else:
        env.pg._run([os.path.join(env.pg.bindir, "pg_ctl"), "-D", env.pg.data, "-m", mode,
                     "-w", "stop"])


@pytest.fixture
def durable_postgres(env):
    """The session's cluster runs with synchronous_commit=off (speed), which
    may lose the last commits in a crash: for the crash case, run it as
    production does while the test lasts, then as before."""
    def restart(fast):
        env.pg.stop()
        env.pg.fast = fast
        env.pg.start()
        # the pooled connections died: let each process meet that now
        wait_for(lambda: all(requests.get(env.url + "/marketplace/nfts?limit=1",
                                          timeout=30).status_code == 200 for _ in range(8)),
                 timeout=30, what="the server to reconnect")
    restart(False)
    try:
        yield
    finally:
        restart(True)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restart_under_traffic(env, photos, mode, request):
    env.expect_error(DB_ERRORS)
    if mode == "immediate":
        request.getfixturevalue("durable_postgres")
    confirmed_nft(env, photos)
    httpd_pid = env.httpd.pid()
    phases = {}
    with Load(env.url) as load:
        time.sleep(2)
        phases["stop"] = time.time()
        stop_postgres(env, mode)
        try:
            time.sleep(4)
        finally:
            phases["start"] = time.time()
            env.pg.start()
        time.sleep(4)
    results = load.results

    # every answer: 200, or 503 JSON with Retry-After; never a 500, HTML or a hang
    bad = [(k, st, b[:300], "%+.2fs after the stop" % (t0 - phases["stop"]))
           for k, _, st, _, b, _, t0 in results if st not in (200, 503)]
    assert bad == [], bad
    for kind, _, st, headers, text, elapsed, _ in results:
        assert headers["Content-Type"] == JSON_TYPE, (kind, st, headers, text[:200])
        assert elapsed < 15, (kind, st, elapsed)
        body = json.loads(text)
        if st == 503:
            assert int(headers["Retry-After"]) > 0
            assert body["status"] == "error" and body["error"] == "database_unavailable", body
        elif kind == "market":
            assert isinstance(body, list) and len(body) >= 1, body   # never an empty lie
    count = {(k, st): sum(1 for r in results if r[0] == k and r[2] == st)
             for k in ("upload", "market") for st in (200, 503)}
    print("\nPostgreSQL stopped (%s) and started under load: %s" % (mode, count))
    assert count[("upload", 503)] > 0 and count[("market", 503)] > 0
    assert count[("upload", 200)] > 0 and count[("market", 200)] > 0
    # 503 only while the database is away; back to 200 as soon as it returns
    refused_at = [t0 for _, _, st, _, _, _, t0 in results if st == 503]
    assert min(refused_at) > phases["stop"] - 1
    assert max(refused_at) < phases["start"] + 2, max(refused_at) - phases["start"]
    assert all(st == 200 for _, _, st, _, _, _, t0 in results if t0 > phases["start"] + 2)

    # 200: exactly one row and one file. 503: nothing, except when the
    # insert itself met the lost connection (a pooled one that died, or one
    # lost with the insert in flight: its outcome unknown to the server):
    # then the file is kept, with the row if that had committed (never a
    # row without its file); the client's retry completes it.
    uploads = os.path.join(env.storage, "uploads")
    sent = [(key, st, text) for kind, key, st, _, text, _, _ in results if kind == "upload"]
    rows = row_counts(env, [key[0] for key, _, _ in sent])
    files = set(os.listdir(uploads))
    refused, outcomes = [], {}
    for (image_id, data), st, text in sent:
        stored = (rows.get(image_id, 0), image_id + ".png" in files)
        if st == 200:
            assert json.loads(text)["file_id"] == image_id
            assert stored == (1, True), image_id
        else:
            assert stored in ((0, False), (0, True), (1, True)), (image_id, stored)
            outcomes[stored] = outcomes.get(stored, 0) + 1
            refused.append((image_id, data))
    print("503'd uploads as (rows, file): %s" % outcomes)
    assert [n for n in files if n.startswith(".")] == []

    # recovered without a restart: the refused uploads, sent again, succeed once
    assert env.httpd.pid() == httpd_pid
    for image_id, data in refused:
        r = upload(env.url, data)
        assert r.status_code == 200, r.text
    rows = row_counts(env, [image_id for image_id, _ in refused])
    files = set(os.listdir(uploads))
    assert all(rows.get(i) == 1 and i + ".png" in files for i, _ in refused)
    assert env.pg.psql("SELECT count(*) FROM (SELECT id FROM images GROUP BY id "
                       "HAVING count(*) > 1) d") == "0"
    r = requests.get(env.url + "/marketplace/nfts?limit=5", timeout=30)
    assert r.status_code == 200 and len(r.json()) >= 1


class PgProxy:
    """A TCP relay between a server and PostgreSQL that can lose the
    connection at the worst moment: right after the database has committed
    an insert (its answer, CommandComplete "INSERT 0 1" and ReadyForQuery,
    is in flight), and then refuse new connections, as when the database
    host goes away."""

    def __init__(self, pg_port):
        self.pg_port = pg_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.drop_after_insert = threading.Event()
        self.refusing = threading.Event()
        self.dropped = threading.Event()
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.pg_port), timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            threading.Thread(target=self.pump, args=(client, upstream, False),
                             daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, True),
                             daemon=True).start()

    def pump(self, src, dst, from_server):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if (from_server and self.drop_after_insert.is_set()
                        and b"INSERT 0 1\x00" in data):
                    # committed; the answer never arrives, and the way back is shut
                    self.refusing.set()
                    self.drop_after_insert.clear()
                    self.dropped.set()
                    break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self):
        self.closed = True
        self.listener.close()


def test_connection_lost_after_the_insert_committed_leaves_no_row_without_file(env, photos):
    """The upload's row is committed but the answer is lost with the
    connection, and the database cannot be reached again: the client gets
    503, and the row that did commit must not name a missing file (a GIF of
    it would be 404 and an error forever). Sent again: one row, one file."""
    env.expect_error(DB_ERRORS)
    proxy = PgProxy(env.pg.port)
    srv = FaultServer(env)
    srv.directives = 'DBDParams "host=127.0.0.1 port=%d dbname=%s user=qnft connect_timeout=3"\n' \
        % (proxy.port, FaultsDb.NAME)
    try:
        srv.start()
        data = unique_photo(photos, "coffee.png")
        image_id = hashlib.sha256(data).hexdigest()
        proxy.drop_after_insert.set()
        r = upload(srv.url, data)
        assert proxy.dropped.is_set()
        assert_json_error(r, 503, "database_unavailable")
        assert int(r.headers["Retry-After"]) > 0
        assert image_rows(srv.db, image_id) == 1           # it did commit
        assert named(srv.storage, image_id) == [image_id + ".png"]
        assert temp_files(srv.storage) == []

        proxy.refusing.clear()
        gif = requests.get(srv.url + "/generate_gif/" + image_id, timeout=60)
        assert gif.status_code == 200, gif.text
        r = upload(srv.url, data)
        assert r.status_code == 200, r.text
        assert image_rows(srv.db, image_id) == 1
        assert named(srv.storage, image_id) == [image_id + ".png"]
        assert srv.errors(allowed=[DB_ERRORS]) == []
    finally:
        srv.stop()
        proxy.close()


# --- 5. the RPC node killed in the middle of a burst of mints ----------------

RPC_ERRORS = r"QNFT0160[128]"


def test_rpc_killed_during_a_burst_of_keyed_mints(env):
    """Concurrent server-signed mints, each with its own Idempotency-Key and
    owner; the chain is SIGKILLed in the middle and started again (its
    state is saved before it answers, like a node that crashed). Every key
    ends as at most one mint, on chain and in the database, and the pending
    ones settle."""
    from solana_keys import random_address
    env.expect_error(RPC_ERRORS)
    chain = env.stack.chain
    image_id = upload(env.url, fresh_png(random.getrandbits(30))).json()["file_id"]
    gif = requests.get(env.url + "/generate_gif/" + image_id, timeout=60)
    assert gif.status_code == 200, gif.text
    gif_id = gif.json()["gif_id"]

    def mint(key, owner):
        return requests.post(env.url + "/mint_nft", headers={"Idempotency-Key": key}, json={
            "image_id": image_id, "gif_id": gif_id, "mint_type": "long", "owner": owner,
            "sign": "server"}, timeout=60)

    stop = threading.Event()
    lock = threading.Lock()
    first = []              # (key, owner, status, body)

    def worker():
        while not stop.is_set():
            key, owner = "faults-" + uuid.uuid4().hex, random_address()
            try:
                r = mint(key, owner)
                item = (key, owner, r.status_code, r.headers.get("Content-Type"), r.text)
            except requests.RequestException as e:
                item = (key, owner, None, None, repr(e))
            with lock:
                first.append(item)
            if item[2] != 200:
                time.sleep(0.2)         # the chain is away: do not spin

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        chain.proc.send_signal(signal.SIGKILL)
        chain.proc.wait(10)
        time.sleep(2)
    finally:
        chain.start()
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(90)
    statuses = [st for _, _, st, _, _ in first]
    codes = ["%s %s" % (st, json.loads(text).get("error", "")) for _, _, st, _, text in first]
    owners = ",".join("'%s'" % o for _, o, _, _, _ in first)
    states = env.pg.psql("SELECT status, count(*) FROM nfts WHERE owner IN (%s) GROUP BY status"
                         % owners).replace("\n", ", ")
    print("\nmints during the RPC crash: %s; rows then: %s"
          % ({c: codes.count(c) for c in sorted(set(codes))}, states))
    assert set(statuses) <= {200, 202, 502, 504}, [x for x in first if x[2] not in
                                                   (200, 202, 502, 504)][:3]
    assert all(ct == JSON_TYPE for _, _, _, ct, _ in first)
    assert 200 in statuses and (502 in statuses or 504 in statuses)

    # the same requests again, with their keys: never a second mint
    recorded, again = {}, []
    for key, owner, st, _, text in first:
        r = mint(key, owner)
        assert r.status_code in (200, 202, 502), r.text
        assert r.headers["Content-Type"] == JSON_TYPE
        if st == 200:
            assert r.status_code == 200 and r.json()["mint"] == json.loads(text)["mint"]
        recorded[key] = (owner, r.json().get("mint"))
        again.append(r.status_code)
    print("the same keys again: %s" % {st: again.count(st) for st in sorted(set(again))})

    # pending ones settle: landed ones confirm, lost ones fail once their
    # blockhash has expired (150 slots of 400 ms on the local chain)
    rows = {}
    deadline = time.time() + 120
    while True:
        out = env.pg.psql("SELECT owner, mint, status FROM nfts WHERE owner IN (%s)"
                          % ",".join("'%s'" % o for o, _ in recorded.values()))
        rows = {}
        for line in out.splitlines():
            owner, mint_addr, status = line.split("|")
            rows.setdefault(owner, []).append((mint_addr, status))
        pending = [m for v in rows.values() for m, s in v if s == "pending"]
        if not pending or time.time() > deadline:
            break
        for m in pending:
            requests.get(env.url + "/mint_nft/" + m, timeout=30)
        time.sleep(2)
    assert pending == []

    confirmed = failed = 0
    for key, (owner, mint_addr) in recorded.items():
        mine = rows.get(owner, [])
        assert len(mine) <= 1, (key, mine)                   # one row per key
        on_chain = chain.rpc("getTokenAccountsByOwner",
                             [owner, {"programId": TOKEN_2022}, {"encoding": "base64"}])["value"]
        assert len(on_chain) <= 1, (key, on_chain)           # never two mints
        if mine and mine[0][1] == "confirmed":
            confirmed += 1
            assert len(on_chain) == 1
            assert mint_addr == mine[0][0]
        else:
            failed += 1
            assert on_chain == [], (key, mine, [x[2:] for x in first if x[0] == key],
                                    on_chain[0]["account"]["data"][0][:88])
    print("after settling: %d confirmed, %d never minted, of %d keys"
          % (confirmed, failed, len(recorded)))
    assert confirmed > 0
