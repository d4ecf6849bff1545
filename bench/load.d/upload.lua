-- POST /upload_image with a different image every time: the same PNG with
-- a counter after its IEND chunk (decoders stop at IEND; the SHA-256, and so
-- the stored file, differs).
local png = assert(io.open(os.getenv("QNFT_LOAD_PNG"), "rb")):read("*a")
local boundary = "qnftloadboundary"
local n = 0
local thread_id = 0

function setup(thread)
    thread_id = thread_id + 1
    thread:set("tid", thread_id)
end

request = function()
    n = n + 1
    local body = "--" .. boundary .. "\r\n" ..
        'Content-Disposition: form-data; name="file"; filename="load.png"\r\n' ..
        "Content-Type: image/png\r\n\r\n" ..
        png .. string.format("%d-%d-%d", tid or 0, n, os.time()) .. "\r\n" ..
        "--" .. boundary .. "--\r\n"
    return wrk.format("POST", "/upload_image", {
        ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
        ["X-Requested-With"] = "bench",
    }, body)
end
