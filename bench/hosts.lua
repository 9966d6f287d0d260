-- wrk script for the scale rows: sends, in turn, one GET per line of BENCH_HITS ("host path",
-- lines separated by ";"), each with its own Host header. Set by bench/run.sh and bench/profile.sh
-- from bench/gen-routes.ts's output.
local requests = {}
local n = 0

function init(args)
  for entry in string.gmatch(os.getenv("BENCH_HITS") or "", "[^;]+") do
    local host, path = entry:match("^%s*(%S+)%s+(%S+)%s*$")
    if host then requests[#requests + 1] = wrk.format("GET", path, { Host = host }) end
  end
  if #requests == 0 then requests[1] = wrk.format("GET", "/") end
end

function request()
  n = n % #requests + 1
  return requests[n]
end
