// The whole way with a wallet: pick a photo -> upload (progress) -> GIF
// -> mint signed by the test wallet -> the NFT on /marketplace -> its
// marker on /chart. Every value checked is the one the server answered.
'use strict';

const { assert, assertClean, installWallet, open, samePrice, settled, shot, watch } = require('./lib');

const jsonOf = async (promise) => (await promise).json();

async function studioPage(page, base, params, wallet) {
    const studioAnswer = page.waitForResponse((r) => r.url().endsWith('/studio'));
    const pricesAnswer = page.waitForResponse((r) => r.url().includes('/chart/price_data'));
    await open(page, `${base}/`);
    const studio = await jsonOf(studioAnswer);
    const prices = await jsonOf(pricesAnswer);

    // the styles are the server's, in its order, its default chosen
    const styles = await page.$$eval('#styles input[name=style]',
                                     (els) => els.map((e) => ({ name: e.value, checked: e.checked })));
    assert.deepEqual(styles.map((s) => s.name), studio.styles);
    assert.equal(styles.find((s) => s.checked).name, studio.default_style);
    // current prices: the server's figures, not the browser's
    assert.ok(prices.sol_usdc && prices.btc_usdc, 'the stand-in gives both prices');
    assert.ok(samePrice(await page.textContent('[data-price=sol]'), prices.sol_usdc));
    assert.ok(samePrice(await page.textContent('[data-price=btc]'), prices.btc_usdc));
    // a wallet is there: it is the default signer; connect it from the header
    assert.equal(await page.isChecked('#sign-wallet'), true);
    await page.click('#wallet button:has-text("Connect QNFT Test Wallet")');
    await page.waitForSelector('#wallet-address');
    assert.equal(await page.getAttribute('#wallet-address', 'title'), wallet.address);
    assert.equal(await page.inputValue('#owner'), wallet.address);

    // 1. the photo through the file input, upload throttled so that the
    // progress bar has something to show
    await page.evaluate(() => {
        window.__progress = [];
        new MutationObserver(() => window.__progress.push(document.querySelector('#upload-progress').value))
            .observe(document.querySelector('#upload-progress'), { attributes: true, attributeFilter: ['value'] });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 5, downloadThroughput: -1, uploadThroughput: 400 * 1024,
    });
    const uploadAnswer = page.waitForResponse((r) => r.url().endsWith('/upload_image'));
    await page.setInputFiles('#file', params.photo);
    const upload = await jsonOf(uploadAnswer);
    const photoStatus = await settled(page, '#photo-status');
    await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
    });
    assert.equal(photoStatus.state, 'done', photoStatus.text);
    assert.match(photoStatus.text, new RegExp(`${upload.width}×${upload.height}`));
    assert.equal(await page.getAttribute('#photo-preview', 'src'), upload.image_url);
    const progress = await page.evaluate(() => window.__progress);
    assert.equal(progress[progress.length - 1], 100);
    assert.ok(progress.some((v) => v > 0 && v < 100), `progress seen: ${progress}`);

    // 2. the GIF in a chosen style
    const style = studio.styles.includes('kaleidoscope') ? 'kaleidoscope' : studio.styles[0];
    await page.check(`#styles input[value="${style}"]`);
    const gifAnswer = page.waitForResponse((r) => r.url().includes('/generate_gif/'));
    await page.click('#make-gif');
    const gif = await jsonOf(gifAnswer);
    const gifStatus = await settled(page, '#gif-status');
    assert.equal(gifStatus.state, 'done', gifStatus.text);
    assert.equal(gif.style, style);
    assert.equal(await page.getAttribute('#gif', 'src'), gif.gif_url);
    assert.equal(await page.$eval('#gif', (img) => img.naturalWidth), gif.width);

    // 3. mint, long, signed by the wallet
    await page.check('input[name=mint_type][value=long]');
    await page.fill('#description', params.description);
    const preparedAnswer = page.waitForResponse((r) => r.url().endsWith('/mint_nft'));
    const submitAnswer = page.waitForResponse((r) => r.url().endsWith('/mint_nft/submit'));
    await page.click('#mint');
    const prepared = await jsonOf(preparedAnswer);
    const minted = await jsonOf(submitAnswer);
    const mintStatus = await settled(page, '#mint-status');
    assert.equal(mintStatus.state, 'done', mintStatus.text);
    assert.equal(prepared.status, 'prepared');
    assert.equal(minted.status, 'success');
    assert.equal(minted.mint, prepared.mint);
    assert.equal(await page.textContent('#result-name'), minted.name);
    assert.equal(await page.textContent('#result-mint'), minted.mint);
    assert.equal(await page.getAttribute('#result-tx a', 'href'), minted.explorer_url);
    assert.equal(await page.getAttribute('#result-meta a', 'href'), minted.metadata_uri);
    assert.equal(wallet.log.transactions.length, 1);
    assert.equal(wallet.log.transactions[0].chain, studio.cluster === 'local'
        ? 'solana:localnet' : `solana:${studio.cluster}`);
    await shot(page, 'journey-studio-minted');
    return { studio, upload, gif, prepared, minted, progress };
}

async function marketplacePage(page, base, minted, wallet) {
    const listAnswer = page.waitForResponse((r) => r.url().includes('/marketplace/nfts'));
    await open(page, `${base}/marketplace`);
    const list = await jsonOf(listAnswer);
    assert.equal(list[0].id, minted.mint, 'the newest NFT comes first');
    const card = page.locator(`li.card[data-mint="${minted.mint}"]`);
    assert.equal(await page.locator('li.card').first().getAttribute('data-mint'), minted.mint);
    assert.equal(await card.locator('h3').textContent(), minted.name);
    assert.equal(await card.locator('[data-field=mint_type]').textContent(), 'Long');
    assert.equal(await card.locator('[data-field=owner] span').getAttribute('title'), wallet.address);
    assert.equal(await card.locator('[data-field=owner]').textContent(),
                 `${wallet.address.slice(0, 4)}…${wallet.address.slice(-4)}`);
    assert.ok(samePrice(await card.locator('[data-field=sol]').textContent(), list[0].sol_price_at_mint));
    assert.ok(samePrice(await card.locator('[data-field=btc]').textContent(), list[0].btc_price_at_mint));
    assert.equal(await card.locator('[data-field=time] time').getAttribute('datetime'),
                 list[0].mint_timestamp_iso);
    await card.locator('img').evaluate((img) => img.decode());
    assert.ok(await card.locator('img').evaluate((img) => img.naturalWidth > 0), 'the GIF shows');
    assert.equal(await card.locator('a:has-text("Original photo")').getAttribute('href'),
                 list[0].original_image_url);
    return list[0];
}

async function chartPage(page, base, minted) {
    const dataAnswer = page.waitForResponse((r) => r.url().includes('/chart/price_data?time_range_hours=24'));
    await open(page, `${base}/chart`);
    const data = await jsonOf(dataAnswer);
    const event = data.nft_events.find((e) => e.id === minted.mint);
    assert.ok(event, 'the mint is among the 24 h events');
    // the point itself, read from the chart's data, and how it is drawn
    const found = await page.evaluate((mint) => {
        const chart = window.Chart.getChart(document.querySelector('#chart'));
        for (const [i, ds] of chart.data.datasets.entries()) {
            const j = ds.data.findIndex((p) => p.id === mint);
            if (j >= 0) {
                const el = chart.getDatasetMeta(i).data[j];
                return { point: ds.data[j], pointStyle: ds.pointStyle, color: ds.backgroundColor,
                         label: ds.label, at: { x: el.x, y: el.y }, dataset: i, index: j,
                         xScale: chart.scales.x.type };
            }
        }
        return null;
    }, minted.mint);
    assert.ok(found, 'the mint has a marker');
    assert.equal(found.xScale, 'time');
    assert.equal(found.pointStyle, 'triangle');
    assert.equal(found.color, '#2fbf71');
    assert.equal(found.point.x, event.timestamp);
    assert.equal(found.point.y, event.sol_price_at_mint);
    assert.equal(found.point.name, minted.name);
    // hovering the marker shows its name in the tooltip
    const box = await page.locator('#chart').boundingBox();
    await page.mouse.move(box.x + found.at.x, box.y + found.at.y);
    const tooltip = await page.waitForFunction(() => {
        const t = window.Chart.getChart(document.querySelector('#chart')).tooltip;
        return t.opacity > 0 && t.body.flatMap((b) => b.lines);
    });
    const lines = await tooltip.jsonValue();
    assert.ok(lines.some((l) => l.startsWith(`${minted.name} (long`)), `tooltip: ${lines}`);
    await shot(page, 'journey-chart-marker', false);     // the viewport: keeps the tooltip
    // the same mint in words, below the chart
    await page.click('#mint-list summary');
    const item = await page.textContent(`#mint-items li[data-mint="${minted.mint}"]`);
    assert.ok(item.startsWith(`${minted.name}: long (predicting price increase), `), item);
    assert.equal(await page.locator('#mint-items li').count(), data.nft_events.length);

    // another range: the server's week, the same marker in it
    const weekAnswer = page.waitForResponse((r) => r.url().endsWith('/chart/price_data?time_range_hours=168'));
    await page.click('#range button:has-text("7d")');
    const week = await jsonOf(weekAnswer);
    await page.waitForFunction(() => document.querySelector('#chart-status').dataset.state === 'done');
    assert.equal(await page.textContent('#chart-title'), 'Last 7 days');
    assert.equal(await page.getAttribute('#range button[data-hours="168"]', 'aria-pressed'), 'true');
    const drawn = await page.evaluate((mint) => {
        const chart = window.Chart.getChart(document.querySelector('#chart'));
        return { line: chart.data.datasets[0].data.length,
                 marker: chart.data.datasets.some((ds) => ds.data.some((p) => p.id === mint)) };
    }, minted.mint);
    assert.deepEqual(drawn, { line: week.price_history.length, marker: true });
    assert.ok(week.price_history[0][0] < data.price_history[0][0] - 5 * 86400000);
    return { event, marker: found.point, tooltip: lines, week_points: drawn.line };
}

module.exports = async function journey({ base, params, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const wallet = await installWallet(context, params.wallet_seed);
    const page = await context.newPage();

    const studio = await studioPage(page, base, params, wallet);
    const item = await marketplacePage(page, base, studio.minted, wallet);
    const chart = await chartPage(page, base, studio.minted);
    assertClean(problems);
    return {
        address: wallet.address, mint: studio.minted.mint, name: studio.minted.name,
        transaction_id: studio.minted.transaction_id, explorer_url: studio.minted.explorer_url,
        metadata_uri: studio.minted.metadata_uri, image_id: studio.upload.file_id,
        gif_id: studio.gif.gif_id, style: studio.gif.style, progress: studio.progress,
        signed: wallet.log, card: item, chart_event: chart.event, marker: chart.marker,
        tooltip: chart.tooltip, warnings: problems.warnings,
    };
};
