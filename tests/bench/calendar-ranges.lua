-- wrk script for make bench: calendar requests for random ranges (1 to
-- 62 days starting anywhere in 2026), so nearly every one misses the
-- calendar program's per-process answer cache: its memory is
-- measured under requests it really serves.
math.randomseed(os.time())
local function date(days)
	local t = os.time({ year = 2026, month = 1, day = 1, hour = 12 }) + days * 86400
	return os.date("!%Y-%m-%d", t)
end
request = function()
	local s = math.random(0, 300)
	local path = "/api/calendar?start=" .. date(s) .. "&end=" .. date(s + math.random(0, 61))
	return wrk.format("GET", path)
end
