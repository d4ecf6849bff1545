// "Load more" walks the marketplace along the Link headers; filters and
// order go to the server and into the address bar.
'use strict';

const { assert, assertClean, open, watch } = require('./lib');

async function cardIds(page) {
    return page.$$eval('li.card', (cards) => cards.map((c) => c.dataset.mint));
}

// Clicks "Load more" until it goes away; every card id in page order.
async function loadAll(page, requests) {
    for (let guard = 0; guard < 50 && await page.isVisible('#more'); guard++) {
        const before = requests.length;
        const answer = page.waitForResponse((r) => r.url().includes('/marketplace/nfts?'));
        await page.click('#more');
        await answer;
        await page.waitForFunction(() => document.querySelector('#market-status').dataset.state !== 'busy');
        assert.equal(requests.length, before + 1);
    }
    return cardIds(page);
}

async function choose(page, requests, action) {
    const answer = page.waitForResponse((r) => r.url().includes('/marketplace/nfts?'));
    await action();
    await answer;
    await page.waitForFunction(() => document.querySelector('#market-status').dataset.state !== 'busy');
}

module.exports = async function loadMore({ base, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    const requests = [];
    const links = [];
    page.on('request', (r) => r.url().includes('/marketplace/nfts?') && requests.push(r.url()));
    page.on('response', (r) => r.url().includes('/marketplace/nfts?') && links.push(r.headers().link || null));

    await open(page, `${base}/marketplace`);
    const first = await cardIds(page);
    const all = await loadAll(page, requests);
    // each request after the first is the previous answer's rel="next"
    for (let i = 1; i < requests.length; i++) {
        assert.equal(new URL(requests[i]).search, new URL(links[i - 1].match(/<([^>]+)>/)[1]).search);
    }
    assert.equal(links[links.length - 1], null, 'the last page has no Link');
    const status = await page.textContent('#market-status');

    await choose(page, requests, () => page.selectOption('#f-type', 'short'));
    const shortIds = await loadAll(page, requests);
    const shortBadges = await page.$$eval('li.card [data-field=mint_type]', (b) => b.map((x) => x.textContent));
    assert.ok(new URL(page.url()).searchParams.get('mint_type') === 'short');

    await choose(page, requests, () => page.selectOption('#f-type', ''));
    await choose(page, requests, () => page.selectOption('#f-sort', 'oldest'));
    const oldest = await cardIds(page);
    await choose(page, requests, () => page.check('#f-listed'));
    const listed = await loadAll(page, requests);

    // the address bar keeps the filters: a reload shows the same
    const url = page.url();
    await open(page, url);
    assert.equal(await page.inputValue('#f-sort'), 'oldest');
    assert.equal(await page.isChecked('#f-listed'), true);
    assert.deepEqual(await loadAll(page, requests), listed);
    assertClean(problems);
    return { first, all, requests: requests.length, status, short: shortIds, short_badges: shortBadges,
             oldest, listed, url };
};
