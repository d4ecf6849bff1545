// No wallet in this browser, phone width: the photo is dropped on the
// page, the studio signs the mint, and the description (with markup in
// it) comes back as plain text on the marketplace card.
'use strict';

const fs = require('fs');
const path = require('path');
const { assert, assertClean, open, settled, shot, watch } = require('./lib');

async function drop(page, file) {
    const bytes = fs.readFileSync(file).toString('base64');
    const transfer = await page.evaluateHandle(({ b64, name }) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([data], name, { type: 'image/png' }));
        return dt;
    }, { b64: bytes, name: path.basename(file) });
    await page.dispatchEvent('#drop', 'dragenter', { dataTransfer: transfer });
    assert.ok(await page.$eval('#drop', (z) => z.classList.contains('over')), 'the zone lights up');
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
}

module.exports = async function serverMint({ base, params, newContext }) {
    const context = await newContext('phone');
    const problems = await watch(context);
    const page = await context.newPage();
    await open(page, `${base}/`);

    assert.equal(await page.textContent('#wallet'), 'No wallet found');
    assert.equal(await page.isDisabled('#sign-wallet'), true);
    assert.equal(await page.isChecked('#sign-server'), true);

    const uploadAnswer = page.waitForResponse((r) => r.url().endsWith('/upload_image'));
    await drop(page, params.photo);
    const upload = await (await uploadAnswer).json();
    assert.equal((await settled(page, '#photo-status')).state, 'done');

    const gifAnswer = page.waitForResponse((r) => r.url().includes('/generate_gif/'));
    await page.click('#make-gif');
    const gif = await (await gifAnswer).json();
    assert.equal((await settled(page, '#gif-status')).state, 'done');

    await page.check('input[name=mint_type][value=short]');
    await page.fill('#description', params.description);
    assert.equal(await page.isDisabled('#mint'), true, 'no owner yet');
    await page.fill('#owner', params.owner);
    const mintAnswer = page.waitForResponse((r) => r.url().endsWith('/mint_nft'));
    await page.click('#mint');
    const minted = await (await mintAnswer).json();
    const status = await settled(page, '#mint-status');
    assert.equal(status.state, 'done', status.text);
    assert.equal(minted.status, 'success');
    assert.equal(await page.textContent('#result-name'), minted.name);
    assert.equal(await page.textContent('#result-mint'), minted.mint);
    assert.equal(await page.getAttribute('#result-tx a', 'href'), minted.explorer_url);
    await shot(page, 'server-mint-phone');

    // the same choices once more: a second NFT (a fresh Idempotency-Key
    // after a success), not the first one again
    const againAnswer = page.waitForResponse((r) => r.url().endsWith('/mint_nft'));
    await page.click('#mint');
    const again = await (await againAnswer).json();
    assert.equal((await settled(page, '#mint-status')).state, 'done');
    assert.notEqual(again.mint, minted.mint);
    assert.equal(await page.textContent('#result-mint'), again.mint);

    // the description is text on the card, its markup inert
    await open(page, `${base}/marketplace?owner=${params.owner}`);
    const card = page.locator(`li.card[data-mint="${minted.mint}"]`);
    assert.equal(await card.locator('[data-field=description]').textContent(), params.description);
    assert.equal(await card.locator('[data-field=description] *').count(), 0);
    assert.equal(await card.locator('[data-field=mint_type]').textContent(), 'Short');
    assertClean(problems);
    return { upload, gif, minted, again, status: status.text, warnings: problems.warnings };
};
