// A mint the network refuses: the page shows the server's sentence, and
// the next click is a new attempt (a fresh Idempotency-Key) that mints,
// not a replay of the refusal under the old key.
'use strict';

const { assert, assertClean, chainRpc, open, photoToGif, settled, watch } = require('./lib');

module.exports = async function retry({ base, params, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    const keys = [];
    page.on('request', (r) => r.url().endsWith('/mint_nft') && keys.push(r.headers()['idempotency-key']));
    await open(page, `${base}/`);
    const { gif } = await photoToGif(page, params.photo);
    await page.fill('#owner', params.owner);

    await chainRpc(params.chain_url, 'qnftTest_mode', ['refuse_next_send']);
    const refusedAnswer = page.waitForResponse((r) => r.url().endsWith('/mint_nft'));
    await page.click('#mint');
    const refused = await refusedAnswer;
    const refusedBody = await refused.json();
    const failure = await settled(page, '#mint-status');
    assert.equal(failure.state, 'error');
    assert.equal(failure.text, refusedBody.message, 'the server message, word for word');
    assert.equal(await page.isHidden('#result'), true);
    assert.equal(await page.isDisabled('#mint'), false, 'a retry is offered');

    const againAnswer = page.waitForResponse((r) => r.url().endsWith('/mint_nft'));
    await page.click('#mint');
    const again = await (await againAnswer).json();
    const status = await settled(page, '#mint-status');
    assert.equal(status.state, 'done', status.text);
    assert.equal(again.status, 'success');
    assert.equal(await page.textContent('#result-mint'), again.mint);
    assert.equal(keys.length, 2);
    assert.notEqual(keys[0], keys[1], 'a new key after a refusal');

    assertClean(problems, {
        http: [/^502 POST .*\/mint_nft$/],
        console: [/Failed to load resource: the server responded with a status of 502/],
    });
    return { gif, refused: { status: refused.status(), body: refusedBody }, minted: again, keys };
};
