-- status: one ticket as its visitor sees it, with the people ahead (read; rolls the day over if due).
-- A.id ticket id
roll_over()
local t = load_ticket(A.id)
if not t then return answer_error('unknown_ticket') end
t.ahead = people_ahead(t)
return cjson.encode({ticket = t})
