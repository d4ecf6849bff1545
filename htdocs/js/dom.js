// Building the page from data. Text always goes in as text (text nodes,
// textContent) and values through attribute setters: nothing the server
// or a user sends is ever parsed as markup.

// el('a', { href, class: 'x', text: 'label' }, child, 'more text')
export function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) {
            continue;
        }
        if (key === 'text') {
            node.textContent = String(value);
        } else if (key === 'class') {
            node.className = value;
        } else if (key === 'dataset') {
            Object.assign(node.dataset, value);
        } else if (key.startsWith('on') && typeof value === 'function') {
            node.addEventListener(key.slice(2), value);
        } else {
            node.setAttribute(key, value === true ? '' : String(value));
        }
    }
    append(node, children);
    return node;
}

function append(node, children) {
    for (const child of children.flat()) {
        if (child !== undefined && child !== null && child !== false) {
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
        }
    }
}

export function $(selector, root = document) {
    const found = root.querySelector(selector);
    if (!found) {
        throw new Error(`missing element ${selector}`);
    }
    return found;
}

export function replaceChildren(node, ...children) {
    node.replaceChildren();
    append(node, children);
}

// A step's status line: data-state drives the colour and the spinner.
export function setStatus(node, state, text) {
    node.dataset.state = state;
    node.textContent = text;
}

// Links and images only for http(s) URLs: a javascript: or data: URL from
// a stored record must never become clickable.
export function safeUrl(url) {
    if (typeof url !== 'string' || url === '') {
        return null;
    }
    try {
        const u = new URL(url, location.href);
        return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch {
        return null;
    }
}

// Stored files (/qnft/...) are named in answers by the server's public
// URL; the page loads them from its own origin, the one img-src 'self'
// allows, whatever name of the server it was opened by.
export function pageUrl(url) {
    const href = safeUrl(url);
    if (!href) {
        return null;
    }
    const u = new URL(href);
    return u.origin !== location.origin && u.pathname.startsWith('/qnft/')
        ? location.origin + u.pathname + u.search : href;
}

export function link(url, text, extra = {}) {
    const href = safeUrl(url);
    if (!href) {
        return el('span', { text });
    }
    const external = new URL(href).origin !== location.origin;
    return el('a', {
        href, text, ...extra,
        target: external ? '_blank' : undefined,
        rel: external ? 'noopener noreferrer' : undefined,
    });
}

// The page-level message box (one per page, role=alert).
export function notice(text) {
    const box = document.getElementById('notice');
    if (box) {
        box.textContent = text;
        box.hidden = !text;
    }
}

// Tests and people alike can tell when a page has its first data.
export function markReady() {
    document.body.dataset.ready = '1';
}
