-- move_waiting (导办台转移): staff send a visitor who is still waiting to another category. The ticket keeps
-- its number and joins that category's line at its original arrival place, as a window's transfer does; the
-- 'transferred' event has from_service and no window, so clients take one waiting visitor from from_service.
-- A.id ticket id   A.service target category code
local STATE_ZH = {called = '已被叫号', served = '已办结', skipped = '已过号', expired = '已作废'}
local function not_waiting(t)
  return answer_error('ticket_not_waiting', {number = t.number, state = t.state, state_zh = STATE_ZH[t.state] or t.state})
end
local replay = replayed()
if replay then return replay end
roll_over()
local target = A.service
if not LINE[target] then return answer_error('unknown_service') end
local t = load_ticket(A.id)
if not t then return answer_error('unknown_ticket') end
if t.business_day ~= today() then return answer_error('ticket_from_another_day') end
if t.state ~= 'waiting' then return not_waiting(t) end
if t.service == target then return answer_error('same_service') end
local from = t.service
local old = LINE[from]
local score = old and redis.call('ZSCORE', old[lane_of(t)], t.id)
if not score then return not_waiting(t) end
redis.call('ZREM', old[lane_of(t)], t.id)
t.transferred_from = from
t.service = target
t.transferred_at = AT
save_ticket(t)
place_in_line(t, t.seq)
local ahead = people_ahead(t)
emit('transferred', call_fields(t, {from_service = from, ahead = ahead}))
t.ahead = ahead
return finish({ticket = t})
