-- snapshot: the hall as a screen needs it, consistent with the id of the last event in the stream, so a
-- client can follow the stream from that id and miss nothing (read; rolls the day over if due).
roll_over()
local waiting = {}
for _, code in ipairs(CODES) do
  waiting[code] = {redis.call('ZCARD', LINE[code].normal), redis.call('ZCARD', LINE[code].priority)}
end
local windows = {}
local raw = redis.call('HGETALL', KEYS[3])
for i = 1, #raw, 2 do
  local w = cjson.decode(raw[i + 1])
  if w.current then w.ticket = load_ticket(w.current) end
  windows[raw[i]] = w
end
local served = {}
raw = redis.call('HGETALL', KEYS[9])
for i = 1, #raw, 2 do served[raw[i]] = tonumber(raw[i + 1]) end
local calls = {}
for i, c in ipairs(redis.call('LRANGE', KEYS[7], 0, 9)) do calls[i] = cjson.decode(c) end
-- Today's skipped numbers (过号) still not back in line, newest first: the hall screen sends them to the guide
-- desk. Only tickets whose JSON says skipped are decoded, so a busy day costs a string search per ticket.
local skipped = {}
local day_score = day_number(today())
local ids = redis.call('ZRANGEBYSCORE', KEYS[11], day_score, day_score)
for from = 1, #ids, 500 do  -- in slices: unpack() of a whole busy day would overflow Lua's stack
  local slice = {unpack(ids, from, math.min(from + 499, #ids))}
  for _, raw_ticket in ipairs(redis.call('HMGET', KEYS[2], unpack(slice))) do
    if raw_ticket and string.find(raw_ticket, '"state":"skipped"', 1, true) then
      local t = cjson.decode(raw_ticket)
      skipped[#skipped + 1] = {ticket_id = t.id, number = t.number, service = t.service, at = t.skipped_at}
    end
  end
end
table.sort(skipped, function(a, b) return (a.at or '') > (b.at or '') end)
while #skipped > 30 do table.remove(skipped) end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return cjson.encode({
  business_day = today(), waiting = waiting, windows = windows, served = served, calls = calls,
  skipped = skipped,
  last_event_id = last[1] and last[1][1] or '0-0',
})
