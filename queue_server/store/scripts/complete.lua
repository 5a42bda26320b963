-- complete (办结): the window's current visitor is served.
-- A.window window number
local replay = replayed()
if replay then return replay end
roll_over()
local n = tostring(A.window)
local w, t = current_ticket(n)
if not t then return answer_error('no_current_ticket') end
t = complete_current(n, w)
save_window(n, w)
return finish({ticket = t})
