-- status: one ticket as its visitor sees it, with the people ahead (read; rolls the day over if due).
-- ARGV[8] ticket id
roll_over()
local t = load_ticket(ARGV[8])
if not t then return answer_error('unknown_ticket') end
t.ahead = people_ahead(t)
return cjson.encode({ticket = t})
