-- window_queue (read): the next visitors this window would call, in the order call_next would take them —
-- priority tickets first, then by the window's policy ('oldest' across its categories, or 'order': category by
-- category) — each with how long it has waited. Changes nothing (no roll-over either: a read may lag a day
-- change by one event, never cause it).
-- A.window window number   A.services the window's categories, in priority order   A.policy   A.limit
local n = tostring(A.window)
local w = load_window(n)
local services = A.services
if w.tidal then services = {w.tidal.service} end
local picked = {}
for _, lane in ipairs({'priority', 'normal'}) do
  local heads = {}
  for _, code in ipairs(services) do
    local key = LINE[code] and LINE[code][lane]
    local found = key and redis.call('ZRANGE', key, 0, A.limit - 1, 'WITHSCORES') or {}
    for i = 1, #found, 2 do
      heads[#heads + 1] = {id = found[i], score = tonumber(found[i + 1]), rank = #heads}
    end
  end
  -- 'order' keeps the categories' order (a category's whole line before the next); 'oldest' merges them
  if A.policy ~= 'order' then
    table.sort(heads, function(a, b)
      if a.score ~= b.score then return a.score < b.score end
      return a.rank < b.rank
    end)
  end
  for _, h in ipairs(heads) do
    if #picked >= A.limit then break end
    picked[#picked + 1] = h.id
  end
end
local next_up = {}
for _, id in ipairs(picked) do
  local t = load_ticket(id)
  if t then
    t.waited_minutes = math.floor((NOW_MS - t.issued_ms) / 6000) / 10
    next_up[#next_up + 1] = t
  end
end
return cjson.encode({
  next = next_up, services = services, state = w.state or 'open', current = w.current or cjson.null,
})
