// Choosing a photo (file input or drag and drop) and sending it to
// POST /upload_image. XMLHttpRequest, not fetch: only XHR reports upload
// progress, which the progress bar shows byte for byte.

import { CSRF_HEADER, errorFrom, parseBody } from './api.js';

export function uploadFile(file, onProgress) {
    return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/upload_image');
        for (const [name, value] of Object.entries(CSRF_HEADER)) {
            xhr.setRequestHeader(name, value);
        }
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.upload.addEventListener('progress', (e) => {
            if (e.lengthComputable) {
                onProgress(e.loaded, e.total);
            }
        });
        xhr.addEventListener('load', () => {
            const body = parseBody(xhr.responseText, xhr.getResponseHeader('Content-Type'));
            if (xhr.status >= 200 && xhr.status < 300 && body) {
                resolve(body);
            } else {
                reject(errorFrom(xhr.status, xhr.statusText, body));
            }
        });
        // The server may close early on a refused body (too large): the
        // browser then reports a network error, not the answer.
        xhr.addEventListener('error', () => reject(errorFrom(0, '', null)));
        xhr.addEventListener('abort', () => reject(new Error('The upload was cancelled.')));
        const form = new FormData();
        form.append('file', file, file.name);
        xhr.send(form);
    });
}

// Calls onFile(file) for a file picked in the input or dropped on zone.
export function pickFiles(zone, input, onFile) {
    input.addEventListener('change', () => {
        if (input.files && input.files[0]) {
            onFile(input.files[0]);
        }
        input.value = '';           // picking the same file again fires again
    });
    const over = (on) => (e) => {
        e.preventDefault();
        zone.classList.toggle('over', on);
    };
    zone.addEventListener('dragenter', over(true));
    zone.addEventListener('dragover', over(true));
    zone.addEventListener('dragleave', over(false));
    zone.addEventListener('drop', (e) => {
        over(false)(e);
        const file = e.dataTransfer && e.dataTransfer.files[0];
        if (file) {
            onFile(file);
        }
    });
    // a photo dropped beside the zone must not replace the page with it
    for (const type of ['dragover', 'drop']) {
        window.addEventListener(type, (e) => e.preventDefault());
    }
}
