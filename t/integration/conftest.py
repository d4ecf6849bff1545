"""Fixtures: one real stack (PostgreSQL + httpd with the freshly built
module) per test session, in a temporary directory on free ports; every
test fails on an unexpected [error] line in Apache's error log."""

import os
import re
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
import qnft_stack  # noqa: E402

# Uploads are form posts: the module wants the anti-CSRF header on them.
UPLOAD_HEADERS = {"X-Requested-With": "qnft-tests"}


def post_upload(url, headers=None, **kw):
    """requests.post with the upload's anti-CSRF header (and any others)."""
    import requests
    h = dict(UPLOAD_HEADERS)
    h.update(headers or {})
    return requests.post(url, headers=h, **kw)


def raw_http(port, data, half_close=False, timeout=10):
    """Sends data byte for byte on a new connection and reads until the
    server closes it; half_close: no more is sent after data."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return answer
            answer += chunk


ERROR_LINE = re.compile(r"\[[a-z_0-9]+:(error|crit|alert|emerg)\]")


class Env:
    def __init__(self, stack):
        self.stack = stack
        self.url = stack.httpd.url
        self.httpd = stack.httpd
        self.pg = stack.pg
        self.storage = stack.httpd.storage
        self.expected_errors = []

    def expect_error(self, pattern):
        """Allow error-log lines matching pattern in the current test."""
        self.expected_errors.append(re.compile(pattern))

    def stored(self, area="uploads"):
        return sorted(os.listdir(os.path.join(self.storage, area)))


@pytest.fixture(scope="session")
def env():
    base = tempfile.mkdtemp(prefix="qnft-test-")
    os.chmod(base, 0o755)
    stack = qnft_stack.Stack(base, fast=True)
    try:
        stack.start()
    except Exception:
        print(stack.httpd.tail_log(), file=sys.stderr)
        stack.stop()
        raise
    e = Env(stack)
    yield e
    stack.stop()
    if not os.environ.get("QNFT_KEEP"):
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def error_log_guard(request, env):
    offset = env.httpd.log_offset()
    env.expected_errors = []
    yield
    bad = [line for line in env.httpd.log_since(offset).splitlines()
           if ERROR_LINE.search(line)
           and not any(p.search(line) for p in env.expected_errors)]
    if bad:
        pytest.fail("unexpected error-log lines:\n" + "\n".join(bad[:10]))


@pytest.fixture(scope="session")
def photos():
    d = os.environ.get("QNFT_PHOTOS")
    if not d or not os.path.isfile(os.path.join(d, "astronaut.png")):
        pytest.fail("QNFT_PHOTOS must name skimage's data folder (./dev.sh test sets it)")
    return d


def extra_server(env, directives):
    """Another httpd (one process) on the same database, storage, chain and
    price stand-in, as a second server of one site would be, with extra
    directives (@PORT@ in them is its port); the caller stops it."""
    base = tempfile.mkdtemp(prefix="qnft-extra-")
    os.chmod(base, 0o755)
    h = qnft_stack.Httpd(base, env.pg.port, env.stack.build_dir,
                         chain_port=env.stack.chain.port, signer=env.stack.signer,
                         price_url=env.stack.prices.url)
    h.storage = env.storage          # a row names a file every server can serve
    h.write(extra="StartServers 1\nServerLimit 1\nThreadsPerChild 16\nMaxRequestWorkers 16\n"
                  + directives.replace("@PORT@", str(h.port)))
    h.start()
    return h
