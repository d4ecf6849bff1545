#!/usr/bin/env node
// Runs one browser scenario against a running mod_qnft stack:
//   node t/browser/run.js <scenario> < params.json
// params: {"base": "http://127.0.0.1:port", ...what the scenario needs}.
// Prints "RESULT <json>" and exits 0, or prints the failure and exits 1
// after a screenshot of every open page (t/artifacts/browser/failed-*).
// t/integration/test_browser.py drives it; the figures it returns are
// checked there against the API and the database.
'use strict';

const lib = require('./lib');

const SCENARIOS = ['journey', 'server-mint', 'pending', 'retry', 'bad-upload', 'listing',
    'load-more', 'stale', 'pages', 'alias'];

async function main() {
    const name = process.argv[2];
    if (!SCENARIOS.includes(name)) {
        console.error(`usage: run.js <${SCENARIOS.join('|')}> < params.json`);
        process.exit(2);
    }
    const fs = require('fs');
    const params = JSON.parse(fs.readFileSync(0, 'utf8') || '{}');
    // screenshots of an earlier failure of this scenario would mislead
    const dir = lib.artifactsDir();
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(`failed-${name}-`))) {
        fs.unlinkSync(`${dir}/${f}`);
    }
    const scenario = require(`./${name}.js`);
    const browser = await lib.launch();
    const contexts = [];
    const ctx = {
        base: params.base,
        params,
        async newContext(size) {
            const c = await lib.newContext(browser, size);
            contexts.push(c);
            return c;
        },
    };
    try {
        const result = await scenario(ctx);
        console.log('RESULT ' + JSON.stringify(result));
    } catch (e) {
        let n = 0;
        for (const c of contexts) {
            for (const page of c.pages()) {
                await lib.shot(page, `failed-${name}-${++n}`).catch(() => {});
                console.error(`page ${n}: ${page.url()}`);
            }
        }
        throw e;
    } finally {
        await browser.close();
    }
}

main().catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
});
