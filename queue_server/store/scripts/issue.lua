-- issue (取号): a new ticket for a category, numbered per category and business day.
-- ARGV[8] category code   ARGV[9] '1' for a priority ticket (绿色通道)   ARGV[10] the new ticket's id
-- ARGV[11] how many may already wait in the category for a newcomer still to be served in today's session
--          (the issuing cut-off, 延时服务); '' for no limit. The count is read here, so two kiosks racing for
--          the last place cannot both get it.
local replay = replayed()
if replay then return replay end
roll_over()
local code, priority, id = ARGV[8], ARGV[9] == '1', ARGV[10]
if not LINE[code] then return answer_error('unknown_service') end
if redis.call('HEXISTS', KEYS[2], id) == 1 then return answer_error('ticket_id_taken') end
if ARGV[11] ~= '' then
  local waiting = redis.call('ZCARD', LINE[code].normal) + redis.call('ZCARD', LINE[code].priority)
  if waiting > tonumber(ARGV[11]) then return answer_error('issuing_closed') end
end
return finish({ticket = new_ticket(code, priority, id)})
