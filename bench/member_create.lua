-- wrk: POST .../members with a distinct email per run, thread and request
-- (bench/audit.sh writes, bench/cluster.sh). From the environment:
-- MEMBER_TOKEN (bearer), MEMBER_ROLE (a role id), MEMBER_RUN (tells runs apart).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MEMBER_TOKEN")
local role = os.getenv("MEMBER_ROLE")
local run = os.getenv("MEMBER_RUN")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function request()
  n = n + 1
  return wrk.format(nil, nil, nil,
    string.format('{"email":"w-%s-%d-%d@bench.example","roles":["%s"]}', run, tid, n, role))
end
