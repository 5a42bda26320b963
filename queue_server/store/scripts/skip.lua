-- skip (过号): the called visitor did not come; the window is free again. The ticket may be put back in
-- line later by requeue.
-- A.window window number
local replay = replayed()
if replay then return replay end
roll_over()
local n = tostring(A.window)
local w, t = current_ticket(n)
if not t then return answer_error('no_current_ticket') end
t.state = 'skipped'
t.skipped_at = AT
save_ticket(t)
w.current = nil
w.since = nil
save_window(n, w)
emit('skipped', call_fields(t, {window = t.window}))
return finish({ticket = t})
