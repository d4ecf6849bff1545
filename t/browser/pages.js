// Each page at desktop and phone width: loads with no console error, no
// exception and no CSP violation, fits the width, carries its security
// headers, and is saved as a screenshot. Then proof that the CSP is live
// (an injected inline script does not run), the pages' own modules
// checked where they run, in the browser, and a wallet that registers
// after the page has loaded.
'use strict';

const crypto = require('crypto');
const { assert, assertClean, b58encode, open, shot, testKey, walletInPage, watch } = require('./lib');

const PAGES = { studio: '/', marketplace: '/marketplace', chart: '/chart' };

async function visit(page, base, name, size) {
    const res = await page.goto(`${base}${PAGES[name]}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
    const headers = res.headers();
    assert.match(headers['content-security-policy'], /script-src 'self'/);
    assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline|unsafe-eval/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.ok(headers['referrer-policy']);
    assert.equal(await page.getAttribute('.site-nav a[aria-current=page]', 'href'), PAGES[name]);
    const fit = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, width: window.innerWidth,
    }));
    assert.ok(fit.scroll <= fit.width, `${name} at ${size}: ${fit.scroll}px wide in ${fit.width}px`);
    return { file: await shot(page, `${name}-${size}`), csp: headers['content-security-policy'] };
}

// The modules the pages are made of, run in the page they serve.
async function moduleChecks(page) {
    const bytes = [...crypto.randomBytes(32)];
    const zeros = [0, 0, 7, 255];
    const got = await page.evaluate(async ({ bytes, zeros }) => {
        const f = await import('/qnft/js/format.js');
        const enc = await import('/qnft/js/encoding.js');
        const l = await import('/qnft/js/listing.js');
        const api = await import('/qnft/js/api.js');
        const tryParse = (t) => {
            try {
                return f.parseSol(t).toString();
            } catch (e) {
                return 'error';
            }
        };
        return {
            parse: ['1.25', '0.000000001', '2', '.5', '1,5', '0', '1.0000000001', 'abc', '-1', '9007199.254740991', '9007199.254740992']
                .map(tryParse),
            sol: [f.formatSol(1250000000), f.formatSol(1), f.formatSol(3000000000)],
            b58: [enc.base58Encode(Uint8Array.from(bytes)), enc.base58Encode(Uint8Array.from(zeros))],
            roundTrip: Array.from(enc.base58Decode(enc.base58Encode(Uint8Array.from(zeros)))),
            b64: enc.base64Encode(enc.base64Decode('AAECAwT/')),
            address: ['So11111111111111111111111111111111111111112', '1111111111111111111111111111111111',
                      enc.base58Encode(new Uint8Array(33).fill(9)), 'O0Il111111111111111111111111111111']
                .map(enc.isAddress),
            short: f.shortAddress('So11111111111111111111111111111111111111112'),
            text: l.listingMessage({ domain: 'https://nft.example.com', action: 'list', priceLamports: '5',
                                     mint: 'M', seller: 'S', nonce: 'n0nce-abc', expiresAt: 1700000000 }),
            next: [api.nextLink('<https://h/marketplace/nfts?cursor=s5&limit=2>; rel="next"'),
                   api.nextLink('<a>; rel="prev", <b>; rel="next"'), api.nextLink(null)],
        };
    }, { bytes, zeros });
    assert.deepEqual(got.parse, ['1250000000', '1', '2000000000', '500000000', '1500000000', 'error',
                                 'error', 'error', 'error', '9007199254740991', 'error']);
    assert.deepEqual(got.sol, ['1.25', '0.000000001', '3']);
    assert.deepEqual(got.b58, [b58encode(Buffer.from(bytes)), b58encode(Buffer.from(zeros))]);
    assert.deepEqual(got.roundTrip, zeros);
    assert.equal(got.b64, 'AAECAwT/');
    assert.deepEqual(got.address, [true, false, false, false]);
    assert.equal(got.short, 'So11…1112');
    assert.equal(got.text, 'QNFT marketplace\ndomain: https://nft.example.com\naction: list\n'
        + 'price_lamports: 5\nmint: M\nseller: S\nnonce: n0nce-abc\nexpires_at: 1700000000');
    assert.deepEqual(got.next, ['https://h/marketplace/nfts?cursor=s5&limit=2', 'b', null]);
    return got;
}

module.exports = async function pages({ base, newContext }) {
    const shots = [];
    let csp = null;
    for (const size of ['desktop', 'phone']) {
        const context = await newContext(size);
        const problems = await watch(context);
        const page = await context.newPage();
        for (const name of Object.keys(PAGES)) {
            const seen = await visit(page, base, name, size);
            shots.push(seen.file);
            csp = seen.csp;
        }
        assertClean(problems);
        await context.close();
    }

    // the policy is enforced, not only sent
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    await open(page, `${base}/marketplace`);
    const ran = await page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.body.append(s);
        return window.__inlineRan === true;
    });
    assert.equal(ran, false);
    for (let i = 0; i < 50 && problems.csp.length === 0; i++) {
        await page.waitForTimeout(100);      // the report comes back asynchronously
    }
    const checks = await moduleChecks(page);

    // a wallet that loads after the page announces itself with
    // 'wallet-standard:register-wallet' and is offered at once
    await open(page, `${base}/`);
    assert.equal(await page.isDisabled('#sign-wallet'), true);
    const late = testKey(crypto.randomBytes(32).toString('hex'));
    await page.evaluate(walletInPage, { address: late.address, publicKey: late.publicKey,
                                        name: 'Late Wallet' });
    await page.waitForSelector('#wallet button:has-text("Connect Late Wallet")');
    assert.equal(await page.isDisabled('#sign-wallet'), false);
    assert.equal(problems.csp.length, 1, JSON.stringify(problems.csp));
    assert.equal(problems.csp[0].directive, 'script-src-elem');
    assertClean(problems, { csp: [/script-src-elem/], console: [/Content Security Policy/] });
    return { shots, csp, csp_violation: problems.csp[0], checks, late_wallet: late.address };
};
