-- issue (取号): a new ticket for a category, numbered per category and business day.
-- A.service category code   A.priority true for a priority ticket (绿色通道)   A.id the new ticket's id
-- A.key    the visitor's own secret for the ticket, answered to whoever took it (never in a public view)
-- A.max_waiting how many may already wait in the category for a newcomer still to be served in today's
--          session (the issuing cut-off, 延时服务); null for no limit. The count is read here, so two kiosks
--          racing for the last place cannot both get it.
-- A.reserved    of those places, how many only walk-ins may take (0 for a trusted device)
-- A.holder      an anonymous client's pseudonym: it may hold one live ticket per category ('' for a device)
local replay = replayed()
if replay then return replay end
roll_over()
local code, priority, id = A.service, A.priority, A.id
if not LINE[code] then return answer_error('unknown_service') end
if redis.call('HEXISTS', KEYS[2], id) == 1 then return answer_error('ticket_id_taken') end
local held_by = A.holder ~= '' and (A.holder .. '|' .. code) or nil
if held_by then
  local held = load_ticket(redis.call('HGET', KEYS[17], held_by) or '')
  if held and held.service == code and (held.state == 'waiting' or held.state == 'called') then
    return answer_error('ticket_held', {number = held.number})
  end
end
if A.max_waiting ~= cjson.null then
  local waiting = redis.call('ZCARD', LINE[code].normal) + redis.call('ZCARD', LINE[code].priority)
  if waiting > A.max_waiting then return answer_error('issuing_closed') end
  if waiting > A.max_waiting - A.reserved then return answer_error('walk_ins_only') end
end
local t = new_ticket(code, priority, id, {key = A.key})
if held_by then redis.call('HSET', KEYS[17], held_by, id) end
return finish({ticket = t, key = A.key})
