// The owner lists an NFT from its card and delists it, each time signing
// the marketplace's message with the test wallet (solana:signMessage).
// The text the wallet was shown must be exactly the server's format.
'use strict';

const { assert, assertClean, installWallet, open, settled, watch } = require('./lib');

function expectedText(base, action, second, mint, seller, body) {
    return ['QNFT marketplace', `domain: ${base}`, `action: ${action}`, second, `mint: ${mint}`,
            `seller: ${seller}`, `nonce: ${body.nonce}`, `expires_at: ${body.expires_at}`].join('\n');
}

module.exports = async function listing({ base, params, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const wallet = await installWallet(context, params.wallet_seed);
    const page = await context.newPage();
    const mint = params.mint;
    await open(page, `${base}/marketplace?owner=${wallet.address}`);
    const card = () => page.locator(`li.card[data-mint="${mint}"]`);
    assert.equal(await card().count(), 1);
    assert.equal(await card().locator('.owner-actions').count(), 0, 'no actions before connecting');

    await page.click('#wallet button:has-text("Connect")');
    await card().locator('.owner-actions form').waitFor();

    // a price the page refuses by itself: nothing is signed or sent
    await card().locator('input[name=price]').fill('1.2345678901');
    await card().locator('button:has-text("List")').click();
    const refused = await settled(page, `li.card[data-mint="${mint}"] .owner-actions .status`);
    assert.equal(refused.state, 'error');
    assert.equal(wallet.log.messages.length, 0);

    // list at 1.25 SOL
    await card().locator('input[name=price]').fill('1.25');
    const listAnswer = page.waitForResponse((r) => r.url().endsWith('/marketplace/listings'));
    const refresh = page.waitForResponse((r) => r.url().endsWith(`/marketplace/nfts/${mint}`));
    await card().locator('button:has-text("List")').click();
    const listRes = await listAnswer;
    const listBody = JSON.parse(listRes.request().postData());
    assert.equal(listRes.status(), 201, await listRes.text());
    const listed = (await listRes.json()).listing;
    await refresh;
    await card().locator('button:has-text("Delist")').waitFor();
    assert.equal(await card().locator('[data-field=price]').textContent(), '1.25 SOL');
    // the new card says what happened and keeps the keyboard focus
    assert.equal(await card().locator('.owner-actions .status').textContent(), 'Listed for 1.25 SOL.');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Delist');
    assert.equal(await card().locator('[data-field=mint] span').getAttribute('title'), mint);
    assert.equal(listBody.price_lamports, 1250000000);
    assert.equal(listRes.request().headers()['x-requested-with'], 'qnft');
    assert.equal(wallet.log.messages[0], expectedText(base, 'list', 'price_lamports: 1250000000',
                                                      mint, wallet.address, listBody));

    // delist
    const delistAnswer = page.waitForResponse((r) => r.url().endsWith(`/listings/${listed.id}/delist`));
    const refresh2 = page.waitForResponse((r) => r.url().endsWith(`/marketplace/nfts/${mint}`));
    await card().locator('button:has-text("Delist")').click();
    const delistRes = await delistAnswer;
    const delistBody = JSON.parse(delistRes.request().postData());
    assert.equal(delistRes.status(), 200, await delistRes.text());
    await refresh2;
    await card().locator('.owner-actions form').waitFor();
    assert.equal(await card().locator('[data-field=price]').count(), 0);
    assert.equal(await card().locator('.owner-actions .status').textContent(),
                 'Delisted: no longer for sale.');
    assert.equal(await page.evaluate(() => document.activeElement.name), 'price');
    assert.equal(wallet.log.messages[1], expectedText(base, 'delist', `listing_id: ${listed.id}`,
                                                      mint, wallet.address, delistBody));
    assertClean(problems);
    return {
        address: wallet.address, listing: listed, delisted: (await delistRes.json()).listing,
        messages: wallet.log.messages, list_request: listBody,
    };
};
