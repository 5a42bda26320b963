-- complete (办结): the window's current visitor is served.
-- A.window window number   A.case_number the case's number (办件编号) to keep on the ticket ('' for none)
local replay = replayed()
if replay then return replay end
roll_over()
local n = tostring(A.window)
local w, t = current_ticket(n)
if not t then return answer_error('no_current_ticket') end
t = complete_current(n, w)
-- staff-only: kept on the ticket for the clerk and the rating (好差评), never on the public channel
if A.case_number and A.case_number ~= '' then
  t.case_number = A.case_number
  save_ticket(t)
end
save_window(n, w)
return finish({ticket = t})
