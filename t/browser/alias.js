// The studio opened by another name of the server (a ServerAlias): the
// answers name files by the server's public URL, and the page still shows
// the photo and the GIF (from its own origin, as its CSP wants); the
// marketplace cards ask their own origin too.
'use strict';

const { assert, assertClean, open, photoToGif, watch } = require('./lib');

module.exports = async function alias({ base, params, newContext }) {
    const context = await newContext('desktop');
    const problems = await watch(context);
    const page = await context.newPage();
    await open(page, `${base}/`);
    const { upload, gif } = await photoToGif(page, params.photo);
    const shown = await page.evaluate(() => ['#photo-preview', '#gif'].map((sel) => {
        const img = document.querySelector(sel);
        return { src: img.src, width: img.naturalWidth, origin: location.origin };
    }));
    for (const img of shown) {
        assert.ok(img.width > 0, `${img.src} did not load`);
        assert.ok(img.src.startsWith(img.origin + '/qnft/'), img.src);
    }
    await open(page, `${base}/marketplace`);
    // (this server keeps its files apart: the cards' GIFs are the other
    // server's, so only where the page asks for them is checked)
    const card = await page.$eval('li.card img', (img) => ({ src: img.src }));
    assert.ok(card.src.startsWith(base + '/qnft/gifs/'), card.src);
    assertClean(problems, {
        http: [/^404 GET .*\/qnft\/gifs\//],
        console: [/Failed to load resource: the server responded with a status of 404/],
    });
    return { upload, gif, shown, card };
};
