-- issue (取号): a new ticket for a category, numbered per category and business day.
-- ARGV[8] category code   ARGV[9] '1' for a priority ticket (绿色通道)   ARGV[10] the new ticket's id
local replay = replayed()
if replay then return replay end
roll_over()
local code, priority, id = ARGV[8], ARGV[9] == '1', ARGV[10]
if not LINE[code] then return answer_error('unknown_service') end
if redis.call('HEXISTS', KEYS[2], id) == 1 then return answer_error('ticket_id_taken') end
local n = redis.call('HINCRBY', KEYS[6], code, 1)
local t = {
  id = id, number = string.format('%s%03d', code, n), service = code, priority = priority,
  state = 'waiting', seq = redis.call('INCR', KEYS[5]), issued_at = AT, issued_ms = NOW_MS,
  business_day = today(),
}
save_ticket(t)
place_in_line(t, t.seq)
local ahead = people_ahead(t)
emit('issued', call_fields(t, {ahead = ahead, business_day = t.business_day}))
t.ahead = ahead
return finish({ticket = t})
