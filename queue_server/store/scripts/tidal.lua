-- tidal (潮汐窗口): switch a tidal window to a category, or send it back to its own categories. The window's
-- current visitor stays with it either way; only what it calls next changes.
-- A.window window number   A.action 'open' or 'close'   A.service category to open for ('' to close)
-- A.manual true when a supervisor does it by hand   A.cause (congested, calm, seasonal, seasonal_ended, manual)
-- A.reason, in words   A.expected what the caller saw the window switched to ('' none, '*' do not check)
local replay = replayed()
if replay then return replay end
roll_over()
local n, action, service, manual = tostring(A.window), A.action, A.service, A.manual
local cause, reason = A.cause, A.reason
local w = load_window(n)
local switched = w.tidal and w.tidal.service or ''
-- The controller decided on what it saw; if that changed meanwhile, its decision no longer holds.
if A.expected ~= '*' and A.expected ~= switched then return answer_error('tidal_changed') end
-- A switch made by hand stays until a person releases it.
if not manual and w.tidal and w.tidal.manual then return answer_error('tidal_manual') end
if action == 'open' then
  if not LINE[service] then return answer_error('unknown_service') end
  if switched == service and (w.tidal.manual or not manual) then return answer_error('tidal_already_open') end
  w.tidal = {service = service, manual = manual, since = AT, reason = reason}
  save_window(n, w)
  local event = {window = tonumber(n), service = service, cause = cause, reason = reason, manual = manual}
  if switched ~= '' then event.previous = switched end
  emit('tidal_opened', event)
else
  if switched == '' then return answer_error('tidal_not_open') end
  w.tidal = nil
  save_window(n, w)
  emit('tidal_closed', {window = tonumber(n), service = switched, cause = cause, reason = reason, manual = manual})
end
return finish({window = w})
