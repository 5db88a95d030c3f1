-- wrk: GET .../tokens/verify with a random seeded token per request, read
-- from the "account_id secret" lines of $SCALE_SECRETS (bench/scale.sh).
--
-- Every request is formatted once, at init: per request the client only
-- picks one at random. Building it per request (two concatenations and
-- wrk.format) made the client the bottleneck at a million tokens: its Lua
-- heap then holds 200,000 strings, and the garbage each request left cost
-- about 10 us of collector and cache misses per request against 2.6 us at
-- 1,000 tokens, so the server sat 20% idle and verify_ratio measured wrk.
local requests = {}

init = function()
  for line in io.lines(os.getenv("SCALE_SECRETS")) do
    local a, s = line:match("^(%S+) (%S+)$")
    requests[#requests + 1] = wrk.format("GET", "/client/v4/accounts/" .. a .. "/tokens/verify",
      { ["Authorization"] = "Bearer " .. s })
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  return requests[math.random(#requests)]
end
