-- miss_bookings: every booking still not checked in at its deadline becomes a no-show (爽约); its place is
-- released for walk-ins (and its phone's count) and counted. Run every minute by each server process; running it
-- twice is harmless.
-- A.batch the most bookings to handle in one run (the rest wait for the next)
local due = redis.call('ZRANGEBYSCORE', KEYS[14], '-inf', NOW_MS, 'LIMIT', 0, A.batch)
local missed = 0
for _, code in ipairs(due) do
  redis.call('ZREM', KEYS[14], code)
  local raw = redis.call('HGET', KEYS[12], code)
  local b = raw and cjson.decode(raw)
  if b and b.state == 'booked' then
    local place = b.date .. '|' .. b.service .. '|' .. b.slot
    if redis.call('HINCRBY', KEYS[13], place, -1) <= 0 then redis.call('HDEL', KEYS[13], place) end
    local who = b.who .. '|' .. b.date .. '|' .. b.service
    if redis.call('HGET', KEYS[13], who) == b.code then redis.call('HDEL', KEYS[13], who) end
    local phone = 'phone|' .. b.date .. '|' .. b.phone
    if redis.call('HINCRBY', KEYS[13], phone, -1) <= 0 then redis.call('HDEL', KEYS[13], phone) end
    b.state = 'no_show'
    b.missed_at = AT
    redis.call('HSET', KEYS[12], code, cjson.encode(b))
    emit('booking_missed', {service = b.service, date = b.date, slot = b.slot})
    missed = missed + 1
  end
end
return cjson.encode({missed = missed})
