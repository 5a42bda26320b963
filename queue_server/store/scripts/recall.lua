-- recall (重呼): call the window's current visitor once more.
-- A.window window number
local replay = replayed()
if replay then return replay end
roll_over()
local n = tostring(A.window)
local w, t = current_ticket(n)
if not t then return answer_error('no_current_ticket') end
t.recalls = (t.recalls or 0) + 1
t.last_called_at = AT
save_ticket(t)
emit('recalled', call_fields(t, {window = t.window, recalls = t.recalls}))
return finish({ticket = t})
