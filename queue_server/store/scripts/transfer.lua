-- transfer (转移): the window's current visitor needs another category; the ticket keeps its number and
-- joins that category's line at its original arrival place, so the visitor does not queue twice.
-- A.window window number   A.service target category code
local replay = replayed()
if replay then return replay end
roll_over()
local n, target = tostring(A.window), A.service
if not LINE[target] then return answer_error('unknown_service') end
local w, t = current_ticket(n)
if not t then return answer_error('no_current_ticket') end
if t.service == target then return answer_error('same_service') end
local from = t.service
t.transferred_from = from
t.service = target
t.state = 'waiting'
t.transferred_at = AT
t.window = nil
save_ticket(t)
place_in_line(t, t.seq)
w.current = nil
w.since = nil
save_window(n, w)
local ahead = people_ahead(t)
emit('transferred', call_fields(t, {from_service = from, window = tonumber(n), ahead = ahead}))
t.ahead = ahead
return finish({ticket = t})
