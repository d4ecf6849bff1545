// The module's endpoints. Every answer is JSON, errors included
// ({status: "error", message, error}); the message is a plain sentence
// written for people, so it is what the pages show.

// Sent on every POST: the server refuses a state-changing request from a
// page of another origin, and a multipart upload without this header.
export const CSRF_HEADER = { 'X-Requested-With': 'qnft' };

export class ApiError extends Error {
    constructor(message, { status = 0, code = '', body = null } = {}) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
        this.body = body;
    }
}

// A JSON body, or null when the answer is not JSON (a proxy's error page).
export function parseBody(text, contentType) {
    if (!contentType || !contentType.includes('json') || !text) {
        return null;
    }
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}

export function errorFrom(status, statusText, body) {
    if (body && typeof body.message === 'string' && body.message) {
        return new ApiError(body.message, { status, code: body.error || '', body });
    }
    if (status === 0) {
        return new ApiError('The server could not be reached. Check the connection and try again.');
    }
    return new ApiError(`The server answered ${status} ${statusText || ''}`.trim() + '.',
                        { status, body });
}

// fetch + JSON: {status, body, headers}; throws ApiError unless 2xx.
export async function request(method, path, json, { signal, headers = {} } = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers }, signal };
    if (json !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(json);
    }
    if (method !== 'GET') {
        Object.assign(init.headers, CSRF_HEADER);
    }
    let res;
    try {
        res = await fetch(sameOrigin(path), init);
    } catch (e) {
        if (e.name === 'AbortError') {
            throw e;
        }
        throw errorFrom(0, '', null);
    }
    const body = parseBody(await res.text(), res.headers.get('Content-Type'));
    if (!res.ok) {
        throw errorFrom(res.status, res.statusText, body);
    }
    return { status: res.status, body, headers: res.headers };
}

export async function getJSON(path, opts) {
    return (await request('GET', path, undefined, opts)).body;
}

export async function postJSON(path, json) {
    return request('POST', path, json);
}

// URLs in answers (status_url, the Link header) are absolute, built from
// the server's public name; the pages ask their own origin for the same
// path so that connect-src 'self' holds behind any name.
export function sameOrigin(url) {
    const u = new URL(url, location.href);
    return u.pathname + u.search;
}

// What the pages need to know about this studio (styles, signing, limits).
let studioPromise = null;
export function studio() {
    studioPromise ??= getJSON('/studio').catch((e) => {
        studioPromise = null;
        throw e;
    });
    return studioPromise;
}

// RFC 8288: the target of rel="next" in a Link header, or null.
export function nextLink(header) {
    if (!header) {
        return null;
    }
    for (const part of header.split(/,(?=\s*<)/)) {
        const m = /^\s*<([^>]*)>(.*)$/.exec(part);
        if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2])) {
            return m[1];
        }
    }
    return null;
}
