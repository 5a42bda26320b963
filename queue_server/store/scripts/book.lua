-- book (预约): hold a place in a slot for one visitor, atomically, so that two phones racing for the last place
-- cannot both get it, and nobody holds two bookings of one category on one day.
-- KEYS[13] counts the slot's bookings in field "date|category|HH:MM" and keeps the code of a person's booking in
-- "who|date|category"; KEYS[12] keeps the booking by its code; KEYS[14] its check-in deadline (no-show after it).
-- ARGV[8] the new code (8 digits)   ARGV[9] category   ARGV[10] date (YYYY-MM-DD)   ARGV[11] slot start 'HH:MM'
-- ARGV[12] slot end 'HH:MM'   ARGV[13] the slot's capacity   ARGV[14] who (normalised name '#' phone digits)
-- ARGV[15] name   ARGV[16] phone (last 4 digits)   ARGV[17] check-in opens, ms   ARGV[18] check-in deadline, ms
-- ARGV[19] check-in opens, ISO   ARGV[20] check-in deadline, ISO
-- ARGV[21] '1' when booking for that day has closed: refused here, after the replay, so that a request booked
--          just before the cut-off and retried just after still gets its booking
local replay = replayed()
if replay then return replay end
if ARGV[21] == '1' then return answer_error('booking_closed') end
local code, service, date, slot = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
if redis.call('HEXISTS', KEYS[12], code) == 1 then return answer_error('booking_code_taken') end
local who = ARGV[14] .. '|' .. date .. '|' .. service
if redis.call('HEXISTS', KEYS[13], who) == 1 then return answer_error('duplicate_booking') end
local place = date .. '|' .. service .. '|' .. slot
if tonumber(redis.call('HGET', KEYS[13], place) or '0') >= tonumber(ARGV[13]) then
  return answer_error('slot_full')
end
local held = redis.call('HINCRBY', KEYS[13], place, 1)
redis.call('HSET', KEYS[13], who, code)
local b = {
  code = code, service = service, date = date, slot = slot, slot_end = ARGV[12], name = ARGV[15], phone = ARGV[16],
  state = 'booked', booked_at = AT, checked_in_at = cjson.null, ticket_id = cjson.null,
  check_in_opens = ARGV[19], check_in_closes = ARGV[20],
  who = ARGV[14], opens_ms = tonumber(ARGV[17]), deadline_ms = tonumber(ARGV[18]),
}
redis.call('HSET', KEYS[12], code, cjson.encode(b))
redis.call('ZADD', KEYS[14], b.deadline_ms, code)
-- The hall channel is public: the event says which slot filled, never who booked or the code.
emit('booked', {service = service, date = date, slot = slot, held = held})
return finish({booking = b})
