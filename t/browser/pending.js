// A mint the network is slow to confirm: the server answers 202 with a
// status URL after its deadline, the page says it is waiting and asks
// that URL until the mint is confirmed, then shows the result.
'use strict';

const { assert, assertClean, chainRpc, open, photoToGif, settled, watch } = require('./lib');

module.exports = async function pending({ base, params, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    const polls = [];
    page.on('response', (r) => r.request().method() === 'GET' && r.url().includes('/mint_nft/')
                               && polls.push(r.status()));
    await open(page, `${base}/`);
    await photoToGif(page, params.photo);
    await page.fill('#owner', params.owner);

    await chainRpc(params.chain_url, 'qnftTest_mode', ['hide_status']);
    try {
        const first = page.waitForResponse((r) => r.url().endsWith('/mint_nft'), { timeout: 60000 });
        await page.click('#mint');
        const answer = await first;
        assert.equal(answer.status(), 202);
        await page.waitForFunction(() => /waiting for the network/.test(
            document.querySelector('#mint-status').textContent));
        // the page asks the status URL and hears "still pending"
        for (let i = 0; i < 150 && !polls.includes(202); i++) {
            await page.waitForTimeout(100);
        }
        assert.ok(polls.includes(202), `status polls: ${polls}`);
        assert.equal(await page.$eval('#mint-status', (n) => n.dataset.state), 'busy');
    } finally {
        await chainRpc(params.chain_url, 'qnftTest_mode', ['normal']);
    }
    const status = await settled(page, '#mint-status');
    assert.equal(status.state, 'done', status.text);
    const mint = await page.textContent('#result-mint');
    assert.ok(polls.includes(200), `status polls: ${polls}`);
    assertClean(problems);
    return { mint, name: await page.textContent('#result-name'), polls, status: status.text };
};
