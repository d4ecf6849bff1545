"""Configuration errors stop `apachectl configtest` with the directive's
name and the reason."""

import pytest


@pytest.mark.parametrize("line, words", [
    ("QNFTUploadMaxBytes 10X", ["QNFTUploadMaxBytes", "'10X'", "not a whole number"]),
    ("QNFTUploadMaxBytes 9G", ["QNFTUploadMaxBytes", "out of range"]),
    ("QNFTImageMaxPixels -5", ["QNFTImageMaxPixels", "not a whole number"]),
    ("QNFTImageMaxPixels 0", ["QNFTImageMaxPixels", "out of range"]),
    ("QNFTPublicURL ftp://example.com", ["QNFTPublicURL", "not an absolute http(s) URL"]),
    ("QNFTPublicURL example.com/x", ["QNFTPublicURL", "not an absolute http(s) URL"]),
    ("QNFTDBRetryAfter soon", ["QNFTDBRetryAfter", "not a whole number"]),
    ("QNFTStorageDir", ["QNFTStorageDir", "takes one argument"]),
    ("QNFTMintStandard foo", ["QNFTMintStandard", "'foo' is neither metaplex nor token2022"]),
    ("QNFTSolanaCommitment processed", ["QNFTSolanaCommitment",
                                        "'processed' is neither confirmed nor finalized"]),
    ("<Location /x>\nQNFTStorageDir /tmp\n</Location>", ["QNFTStorageDir", "not allowed"]),
    ("QNFTRateLimit upload 30/fortnight", ["QNFTRateLimit", "'30/fortnight'", "<count>/"]),
    ("QNFTRateLimit uploads 30/min", ["QNFTRateLimit", "'uploads'", "upload, gif, mint"]),
    ("QNFTRateLimit upload 0/min", ["QNFTRateLimit", "out of range"]),
    ("QNFTRateLimit upload", ["QNFTRateLimit", "two arguments"]),
    ("QNFTRateLimitCache nosuchcache\nQNFTRateLimit gif 1/s",
     ["QNFTRateLimit", "nosuchcache", "QNFTRateLimitCache"]),
    ("<VirtualHost 127.0.0.1:1>\nQNFTRateLimitCache shmcb\n</VirtualHost>",
     ["QNFTRateLimitCache", "cannot occur within"]),
    ("QNFTAllowedOrigins https://shop.example/path", ["QNFTAllowedOrigins", "not an origin"]),
    ("QNFTAllowedOrigins ftp://shop.example", ["QNFTAllowedOrigins", "not an origin"]),
])
def test_bad_directive_values_fail_configtest(env, line, words):
    rc, out = env.httpd.configtest(extra=line)
    assert rc != 0, out
    for w in words:
        assert w in out, out


def test_good_values_pass_configtest(env):
    rc, out = env.httpd.configtest(extra="QNFTUploadMaxBytes 512K\nQNFTImageMaxPixels 12M\n"
                                         "QNFTPublicURL https://nft.example.com/\n"
                                         "QNFTDBRetryAfter 10")
    assert rc == 0, out
    assert "Syntax OK" in out


def test_missing_mod_dbd_fails_configtest(env):
    rc, out = env.httpd.configtest(load_dbd=False)
    assert rc != 0
    assert "mod_qnft needs mod_dbd" in out, out
    assert "LoadModule dbd_module" in out, out


def test_bad_signer_keypair_fails_configtest(env, tmp_path):
    rc, out = env.httpd.configtest(extra="QNFTSignerKeypair /nonexistent/signer.json")
    assert rc != 0 and "QNFTSignerKeypair" in out, out
    loose = tmp_path / "loose.json"
    loose.write_text(open(env.stack.signer).read())
    loose.chmod(0o644)
    rc, out = env.httpd.configtest(extra="QNFTSignerKeypair %s" % loose)
    assert rc != 0 and "QNFTSignerKeypair" in out, out


def test_the_shipped_limits_without_mod_socache_shmcb_fail_configtest(env):
    """conf/qnft.conf sets rate limits: a server without the shared cache
    must hear so from configtest, not lose its limits silently."""
    import re
    text = env.httpd.render()
    text = text.replace("LoadModule socache_shmcb_module", "#LoadModule socache_shmcb_module")
    text = re.sub(r"(?m)^QNFTRateLimit \w+ off$", "", text)
    path = env.httpd.root + "/noshmcb.conf"
    with open(path, "w") as f:
        f.write(text)
    r = env.httpd._ctl("-t", conf=path)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "QNFTRateLimit needs the shared object cache 'shmcb'" in out, out
    assert "mod_socache_shmcb" in out, out
