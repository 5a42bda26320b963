-- requeue (过号重排): a skipped visitor came back; the ticket rejoins its line behind at most
-- A.behind of the visitors already waiting there (过号顺延), keeping its number.
-- A.id ticket id   A.behind how many waiting visitors may stay ahead
local replay = replayed()
if replay then return replay end
roll_over()
local t = load_ticket(A.id)
if not t then return answer_error('unknown_ticket') end
if t.business_day ~= today() and (t.state == 'skipped' or t.state == 'expired') then
  return answer_error('ticket_from_another_day')
end
if t.state ~= 'skipped' then return answer_error('ticket_not_skipped') end
if not LINE[t.service] then return answer_error('unknown_service') end
local behind = A.behind
local key = LINE[t.service][lane_of(t)]
local score
if behind == 0 then
  local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if head[1] then score = tonumber(head[2]) - 1 end
else
  local pair = redis.call('ZRANGE', key, behind - 1, behind, 'WITHSCORES')
  if pair[3] then score = (tonumber(pair[2]) + tonumber(pair[4])) / 2 end
end
score = score or redis.call('INCR', KEYS[5])
t.state = 'waiting'
t.requeued_at = AT
t.window = nil
save_ticket(t)
place_in_line(t, score)
local ahead = people_ahead(t)
emit('requeued', call_fields(t, {ahead = ahead}))
t.ahead = ahead
return finish({ticket = t})
