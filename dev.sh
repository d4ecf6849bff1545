#!/usr/bin/env bash
# mod_qnft development commands.
#   ./dev.sh run    install what is missing, build, and serve the whole product on
#                   127.0.0.1:${QNFT_PORT:-8080} (Apache + mod_qnft + PostgreSQL),
#                   state under ${QNFT_STATE_DIR:-./var}; Ctrl-C stops everything.
#   ./dev.sh test   the same stack in a temporary directory on free ports, then every
#                   test: C unit tests (Check) and integration tests (pytest), the
#                   browser tests among them (Chromium, t/browser/).
#   ./dev.sh build  install what is missing and build only.
#   ./dev.sh sanitize  every test again on a copy built with AddressSanitizer and
#                   UndefinedBehaviorSanitizer (Apache runs with the runtime preloaded).
set -euo pipefail
cd "$(dirname "$0")"
SRC=$PWD
# Debian's interpreter: it has python3-pytest and python3-requests.
PY=/usr/bin/python3

DEB_PACKAGES=(
    build-essential autoconf automake libtool pkg-config
    apache2-bin apache2-dev libaprutil1-dbd-pgsql media-types
    libgd-dev libcurl4-openssl-dev libjansson-dev libssl-dev check
    postgresql postgresql-client
    python3 python3-pytest python3-requests python3-pil python3-cryptography
    curl ca-certificates wrk
    memcached redis-server
    chromium
    btrfs-progs
)

say() { printf '== %s\n' "$*"; }

deps() {
    local missing=() p
    for p in "${DEB_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    # Node for the development tools: any install will do (a nodejs package
    # from elsewhere may bundle npm and conflict with Debian's npm)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]}" >&2
        echo "install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

# From npm, at the versions pinned in package.json and package-lock.json:
# Chart.js and its date adapter for the chart page, and the development
# and test tools (the local chain, the differential and browser tests).
# Not `npm ci`: npm 11 leaves litesvm's other-platform optional packages
# out of the lock it writes, then `npm ci` refuses that very lock as out of
# sync; `npm install` with the lock present installs the same versions.
node_tools() {
    local p need=
    for p in litesvm @solana/web3.js chart.js chartjs-adapter-date-fns @date-fns/cdn playwright-core; do
        [ -d "node_modules/$p" ] || need=1
    done
    if [ -n "$need" ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        say "npm install (locked versions)"
        # errors only: Node 20 draws engine warnings from packages that run on it
        # (design.md 11) and install-script notices for optional native helpers
        npm install --no-audit --no-fund --no-save --loglevel=error >/dev/null
    fi
}

build() {
    if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
        say "autoreconf"
        autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
    fi
    if [ ! -f Makefile ] || [ configure -nt config.status ]; then
        say "configure"
        ./configure --enable-werror ${QNFT_CONFIGURE_FLAGS:-} >/dev/null
    fi
    # Chart.js into htdocs/vendor/ first: the pages' data (and so `make`)
    # name those files
    make vendor >/dev/null
    say "make"
    make -j"$(nproc)" >/dev/null
}

# Real photos for the tests: the CC0/public-domain images that ship in
# Debian's python3-skimage (its data/ folder), unpacked, not installed.
photos() {
    local cache=${QNFT_CACHE_DIR:-$SRC/.cache} dir
    dir=$cache/skimage/usr/lib/python3/dist-packages/skimage/data
    if [ ! -f "$dir/astronaut.png" ]; then
        say "fetching test photos (python3-skimage .deb)"
        mkdir -p "$cache/deb"
        (cd "$cache/deb" && apt-get download python3-skimage >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get download python3-skimage >/dev/null; })
        dpkg -x "$cache"/deb/python3-skimage_*.deb "$cache/skimage"
    fi
    export QNFT_PHOTOS=$dir
}

# "Checks: 12, Failures: 1, Errors: 0" from Check's log.
unit_counts() {
    sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
        t/unit/qnft_unit.log | tail -n 1
}

run_tests() {
    local upass=0 ufail=0 ipass=0 ifail=0 rc=0 line n f e
    photos
    say "unit tests (make check)"
    make check -j"$(nproc)" >/dev/null 2>&1 || rc=1
    cat t/unit/qnft_unit.log 2>/dev/null | grep -E '^[0-9]+%|:[EF]:' || true
    cat t/unit/check_conf.sh.log 2>/dev/null | grep -E '^(PASS|FAIL)' || true
    if read -r n f e < <(unit_counts); then
        upass=$((n - f - e)); ufail=$((f + e))
    else
        ufail=1
    fi
    grep -q '^FAIL' t/unit/check_conf.sh.log 2>/dev/null && ufail=$((ufail + 1)) || upass=$((upass + 1))

    say "integration tests (pytest, real httpd + PostgreSQL)"
    mkdir -p t/artifacts
    set +e
    "$PY" -m pytest -p no:cacheprovider -q -rfE t/integration "$@" 2>&1 | tee t/artifacts/pytest.log
    set -e
    line=$(grep -E '^(=+ )?[0-9]+ (passed|failed)|no tests ran' t/artifacts/pytest.log | tail -n 1 || true)
    ipass=$(sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p' <<<"$line"); ipass=${ipass:-0}
    ifail=$(sed -n 's/.*\b\([0-9][0-9]*\) failed.*/\1/p' <<<"$line"); ifail=${ifail:-0}
    e=$(sed -n 's/.*\b\([0-9][0-9]*\) errors\?.*/\1/p' <<<"$line"); ifail=$((ifail + ${e:-0}))
    [ "$ipass" -gt 0 ] || ifail=$((ifail + 1))

    echo "unit: $upass passed, $ufail failed; integration: $ipass passed, $ifail failed"
    echo "summary: $((upass + ipass)) passed, $((ufail + ifail)) failed"
    [ $((ufail + ifail)) -eq 0 ] && [ $rc -eq 0 ]
}

# A copy of the tracked tree built with --enable-sanitizers; Apache gets
# the sanitizer runtimes preloaded through a wrapper (QNFT_HTTPD), with
# LeakSanitizer on: httpd's own allocations that live as long as its
# processes (the parent's allocator, the configuration's regexes; mod_qnft
# makes neither) are suppressed, any other leak is a report.
sanitize() {
    local dir=${QNFT_SANITIZE_DIR:-/tmp/qnft-sanitize} rc=0 httpd
    photos
    rm -rf "$dir" && mkdir -p "$dir"
    git ls-files -z | xargs -0 cp --parents -t "$dir"
    ln -s "$SRC/node_modules" "$dir/node_modules"
    cd "$dir"
    say "building with AddressSanitizer + UndefinedBehaviorSanitizer in $dir"
    autoreconf -fi >/dev/null 2>&1
    ./configure --enable-sanitizers >/dev/null
    make vendor >/dev/null
    make -j"$(nproc)" >/dev/null
    httpd=$(sed -n 's/.*"httpd": "\(.*\)".*/\1/p' t/harness/build.json)
    printf 'leak:apr_allocator_create\nleak:pcre2_compile_8\n' > lsan.supp
    # the children run as the User (www-data): their reports must have a
    # place they can write to, or they are lost
    local logs=$dir/sanitizer-logs
    mkdir -p "$logs" && chmod 1777 "$logs"
    {
        echo '#!/bin/sh'
        echo "export LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
        echo "export ASAN_OPTIONS=detect_leaks=1:log_path=$logs/asan.log"
        # a leak is reported, not an exit status httpd's start would fail on
        echo "export LSAN_OPTIONS=exitcode=0:print_suppressions=0:suppressions=$dir/lsan.supp"
        echo "export UBSAN_OPTIONS=print_stacktrace=1:log_path=$logs/ubsan.log"
        echo "exec $httpd \"\$@\""
    } > apache2-sanitized
    chmod +x apache2-sanitized
    say "unit tests"
    make check -j"$(nproc)" >/dev/null 2>&1 || rc=1
    grep -E '^[0-9]+%|runtime error' t/unit/qnft_unit.log || true
    say "integration tests, Apache sanitized"
    QNFT_HTTPD=$dir/apache2-sanitized "$PY" -m pytest -p no:cacheprovider -q t/integration \
        > pytest.log 2>&1 || rc=1
    tail -n 3 pytest.log
    if ls "$logs"/asan.log.* "$logs"/ubsan.log.* >/dev/null 2>&1; then
        echo "sanitizer reports:"
        cat "$logs"/asan.log.* "$logs"/ubsan.log.* 2>/dev/null | head -60
        rc=1
    else
        echo "sanitizers: no reports"
    fi
    return $rc
}

cmd=${1:-help}
shift || true
case "$cmd" in
    run)   deps; node_tools; build; exec "$PY" t/harness/qnft_stack.py serve ;;
    test)  deps; node_tools; build; run_tests "$@" ;;
    build) deps; node_tools; build ;;
    sanitize) deps; node_tools; sanitize ;;
    *)     sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
