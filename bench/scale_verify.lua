-- wrk: GET .../tokens/verify with a random seeded token per request, read
-- from the "account_id secret" lines of $SCALE_SECRETS (bench/scale.sh).
local accounts, secrets = {}, {}

init = function()
  for line in io.lines(os.getenv("SCALE_SECRETS")) do
    local a, s = line:match("^(%S+) (%S+)$")
    accounts[#accounts + 1] = a
    secrets[#secrets + 1] = s
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  local i = math.random(#secrets)
  return wrk.format("GET", "/client/v4/accounts/" .. accounts[i] .. "/tokens/verify",
    { ["Authorization"] = "Bearer " .. secrets[i] })
end
