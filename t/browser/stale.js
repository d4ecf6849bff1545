// The price source is down: the server serves the last prices marked
// stale, and the chart says so in words next to the chart.
'use strict';

const { assert, assertClean, open, shot, watch } = require('./lib');

module.exports = async function stale({ base, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    const answer = page.waitForResponse((r) => r.url().includes('/chart/price_data?time_range_hours=24'));
    await open(page, `${base}/chart`);
    const data = await (await answer).json();
    assert.equal(data.stale, true);
    assert.equal(await page.isVisible('#stale'), true);
    const note = await page.textContent('#stale');
    assert.ok(note.includes(data.source_error), note);
    const points = await page.evaluate(() => window.Chart.getChart(document.querySelector('#chart'))
        .data.datasets[0].data.length);
    assert.equal(points, data.price_history.length, 'the last data is still drawn');
    await shot(page, 'chart-stale', false);
    assertClean(problems);
    return { note, points, source_error: data.source_error };
};
