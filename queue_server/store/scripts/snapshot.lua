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
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return cjson.encode({
  business_day = today(), waiting = waiting, windows = windows, served = served, calls = calls,
  last_event_id = last[1] and last[1][1] or '0-0',
})
