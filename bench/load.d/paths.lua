-- GET a rotating list of paths read from the file in QNFT_LOAD_PATHS, one
-- per line; each thread starts at a different place in the list.
local paths = {}
for line in io.lines(os.getenv("QNFT_LOAD_PATHS")) do
    paths[#paths + 1] = line
end
local i = 0
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("start", counter * 7919)
end

request = function()
    i = i + 1
    return wrk.format("GET", paths[((start or 0) + i) % #paths + 1])
end
