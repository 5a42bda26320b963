-- issue (取号): a new ticket for a category, numbered per category and business day.
-- A.service category code   A.priority true for a priority ticket (绿色通道)   A.id the new ticket's id
-- A.max_waiting how many may already wait in the category for a newcomer still to be served in today's
-- session (null: no limit)
--          (the issuing cut-off, 延时服务); '' for no limit. The count is read here, so two kiosks racing for
--          the last place cannot both get it.
local replay = replayed()
if replay then return replay end
roll_over()
local code, priority, id = A.service, A.priority, A.id
if not LINE[code] then return answer_error('unknown_service') end
if redis.call('HEXISTS', KEYS[2], id) == 1 then return answer_error('ticket_id_taken') end
if A.max_waiting ~= cjson.null then
  local waiting = redis.call('ZCARD', LINE[code].normal) + redis.call('ZCARD', LINE[code].priority)
  if waiting > A.max_waiting then return answer_error('issuing_closed') end
end
return finish({ticket = new_ticket(code, priority, id)})
