-- check_in (预约签到): a booked visitor at the kiosk gets a priority ticket, so booked visitors are called before
-- walk-ins of the same category. Only on the booking's own business day, from check-in opening until the
-- deadline (exclusive: at the deadline the booking is a no-show).
-- A.code the booking's code   A.id the new ticket's id   A.key the visitor's own secret for it (as issue's)
local replay = replayed()
if replay then return replay end
roll_over()
local raw = redis.call('HGET', KEYS[12], A.code)
if not raw then return answer_error('unknown_booking') end
local b = cjson.decode(raw)
if b.state == 'checked_in' then return answer_error('already_checked_in') end
if b.state == 'cancelled' then return answer_error('booking_cancelled') end
if b.state == 'no_show' then return answer_error('booking_missed') end
if b.date ~= today() then return answer_error('not_today') end
if NOW_MS < b.opens_ms then return answer_error('too_early') end
if NOW_MS >= b.deadline_ms then return answer_error('too_late') end
if not LINE[b.service] then return answer_error('booking_service_gone') end
if redis.call('HEXISTS', KEYS[2], A.id) == 1 then return answer_error('ticket_id_taken') end
local t = new_ticket(b.service, true, A.id, {booking = b.code, key = A.key})
b.state = 'checked_in'
b.checked_in_at = AT
b.ticket_id = t.id
redis.call('HSET', KEYS[12], b.code, cjson.encode(b))
redis.call('ZREM', KEYS[14], b.code)
return finish({ticket = t, booking = b, key = A.key})
