-- cancel_booking (取消预约): the visitor gives the place back; it can be booked again at once.
-- A.code the booking's code
local replay = replayed()
if replay then return replay end
local raw = redis.call('HGET', KEYS[12], A.code)
if not raw then return answer_error('unknown_booking') end
local b = cjson.decode(raw)
if b.state == 'checked_in' then return answer_error('already_checked_in') end
if b.state == 'cancelled' then return answer_error('booking_cancelled') end
if b.state == 'no_show' then return answer_error('booking_missed') end
-- Release the place, the person's one booking of the day, one of the phone's bookings, and the no-show deadline.
local place = b.date .. '|' .. b.service .. '|' .. b.slot
if redis.call('HINCRBY', KEYS[13], place, -1) <= 0 then redis.call('HDEL', KEYS[13], place) end
local who = b.who .. '|' .. b.date .. '|' .. b.service
if redis.call('HGET', KEYS[13], who) == b.code then redis.call('HDEL', KEYS[13], who) end
local phone = 'phone|' .. b.date .. '|' .. b.phone
if redis.call('HINCRBY', KEYS[13], phone, -1) <= 0 then redis.call('HDEL', KEYS[13], phone) end
redis.call('ZREM', KEYS[14], b.code)
b.state = 'cancelled'
b.cancelled_at = AT
redis.call('HSET', KEYS[12], b.code, cjson.encode(b))
emit('booking_cancelled', {service = b.service, date = b.date, slot = b.slot})
return finish({booking = b})
