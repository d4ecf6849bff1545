// Uploads that fail: a text file named x.png is refused by the server and
// the page shows the server's own sentence; a photo over the server's
// limit is stopped before a byte is sent.
'use strict';

const { assert, assertClean, open, settled, watch } = require('./lib');

module.exports = async function badUpload({ base, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    const uploads = [];
    page.on('request', (r) => r.url().endsWith('/upload_image') && uploads.push(r.method()));
    await open(page, `${base}/`);

    const answer = page.waitForResponse((r) => r.url().endsWith('/upload_image'));
    await page.setInputFiles('#file', {
        name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('this is a text file, not a photo\n'),
    });
    const res = await answer;
    const body = await res.json();
    const status = await settled(page, '#photo-status');
    assert.equal(status.state, 'error');
    assert.equal(status.text, body.message, 'the server message, word for word');
    assert.equal(await page.isHidden('#photo-preview'), true);
    assert.equal(await page.isDisabled('#make-gif'), true);

    const limit = await page.evaluate(async () => (await (await fetch('/studio')).json()).upload_max_bytes);
    await page.setInputFiles('#file', {
        name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(limit + 1),
    });
    const big = await settled(page, '#photo-status');
    assert.equal(big.state, 'error');
    assert.match(big.text, /^big\.png is too large: .* \(this one is [\d,]+ bytes\)\.$/);
    assert.deepEqual(uploads, ['POST'], 'the oversized file never left the browser');

    // the refused upload is the only error: its HTTP status and
    // Chromium's console line for it
    assertClean(problems, {
        http: [/^415 POST .*\/upload_image$/],
        console: [/Failed to load resource: the server responded with a status of 415/],
    });
    return { http_status: res.status(), body, shown: status.text, oversized: big.text, limit };
};
