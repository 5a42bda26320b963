-- book (预约): hold a place in a slot for one visitor, atomically, so that two phones racing for the last place
-- cannot both get it, nobody holds two bookings of one category on one day, and no phone or client address books
-- past the hall's limits however many requests it sends at once.
-- KEYS[13] counts the slot's bookings in field "date|category|HH:MM" and keeps the code of a person's booking in
-- "who|date|category"; it also counts a phone's live bookings per day in "phone|date|digits" (cancel_booking and
-- miss_bookings give them back) and the bookings an anonymous address made in a calendar day in
-- "address|day|holder". KEYS[12] keeps the booking by its code; KEYS[14] its check-in deadline (no-show after it).
-- A.code the new code (8 digits)   A.service category   A.date (YYYY-MM-DD)   A.slot start 'HH:MM'
-- A.slot_end 'HH:MM'   A.capacity the slot's capacity   A.who (normalised name '#' phone digits)
-- A.name   A.phone (last 4 digits)   A.opens_ms check-in opens, ms   A.deadline_ms check-in deadline, ms
-- A.opens check-in opens, ISO   A.closes check-in deadline, ISO
-- A.closed true when booking for that day has closed: refused here, after the replay, so that a request booked
--          just before the cut-off and retried just after still gets its booking
-- A.phone_day_limit live bookings one phone may hold for one day   A.phone_ahead_limit ... across A.ahead_days
-- A.ahead_days every day from today to the last that can be booked (YYYY-MM-DD)
-- A.holder a pseudonym of an anonymous client's address ('' for the hall's own devices, which have no limit)
-- A.holder_limit bookings one address may make per calendar day   A.today that day (YYYY-MM-DD, the hall's zone)
local replay = replayed()
if replay then return replay end
if A.closed then return answer_error('booking_closed') end
local code, service, date, slot = A.code, A.service, A.date, A.slot
if redis.call('HEXISTS', KEYS[12], code) == 1 then return answer_error('booking_code_taken') end
local who = A.who .. '|' .. date .. '|' .. service
if redis.call('HEXISTS', KEYS[13], who) == 1 then return answer_error('duplicate_booking') end
local place = date .. '|' .. service .. '|' .. slot
if tonumber(redis.call('HGET', KEYS[13], place) or '0') >= A.capacity then
  return answer_error('slot_full')
end
-- A phone (its last 4 digits) holds a few bookings, for a family's errands, never a hall's week.
local phone_day = 'phone|' .. date .. '|' .. A.phone
local on_day = tonumber(redis.call('HGET', KEYS[13], phone_day) or '0')
if on_day >= A.phone_day_limit then return answer_error('phone_day_limit', {held = on_day}) end
local fields = {}
for i, day in ipairs(A.ahead_days) do fields[i] = 'phone|' .. day .. '|' .. A.phone end
local ahead = 0
if #fields > 0 then
  for _, n in ipairs(redis.call('HMGET', KEYS[13], unpack(fields))) do ahead = ahead + (tonumber(n) or 0) end
end
if ahead >= A.phone_ahead_limit then return answer_error('phone_ahead_limit', {held = ahead}) end
-- An anonymous address makes a few bookings a day; the guide desk, a trusted device, books for everyone.
local made_field = nil
if A.holder ~= '' then
  made_field = 'address|' .. A.today .. '|' .. A.holder
  local made = tonumber(redis.call('HGET', KEYS[13], made_field) or '0')
  if made >= A.holder_limit then return answer_error('too_many_bookings', {held = made}) end
end
local held = redis.call('HINCRBY', KEYS[13], place, 1)
redis.call('HSET', KEYS[13], who, code)
redis.call('HINCRBY', KEYS[13], phone_day, 1)
if made_field then redis.call('HINCRBY', KEYS[13], made_field, 1) end
local b = {
  code = code, service = service, date = date, slot = slot, slot_end = A.slot_end, name = A.name, phone = A.phone,
  state = 'booked', booked_at = AT, checked_in_at = cjson.null, ticket_id = cjson.null,
  check_in_opens = A.opens, check_in_closes = A.closes,
  who = A.who, opens_ms = A.opens_ms, deadline_ms = A.deadline_ms,
}
redis.call('HSET', KEYS[12], code, cjson.encode(b))
redis.call('ZADD', KEYS[14], b.deadline_ms, code)
-- The hall channel is public: the event says which slot filled, never who booked or the code.
emit('booked', {service = service, date = date, slot = slot, held = held})
return finish({booking = b})
