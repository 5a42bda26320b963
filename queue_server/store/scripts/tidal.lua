-- tidal (潮汐窗口): switch a tidal window to a category, or send it back to its own categories. The window's
-- current visitor stays with it either way; only what it calls next changes.
-- ARGV[8] window number   ARGV[9] 'open' or 'close'   ARGV[10] category to open for
-- ARGV[11] '1' when a supervisor does it by hand   ARGV[12] cause (congested, calm, seasonal, seasonal_ended, manual)
-- ARGV[13] reason, in words   ARGV[14] what the caller saw the window switched to ('' none, '*' do not check)
local replay = replayed()
if replay then return replay end
roll_over()
local n, action, service, manual = ARGV[8], ARGV[9], ARGV[10], ARGV[11] == '1'
local cause, reason = ARGV[12], ARGV[13]
local w = load_window(n)
local switched = w.tidal and w.tidal.service or ''
-- The controller decided on what it saw; if that changed meanwhile, its decision no longer holds.
if ARGV[14] ~= '*' and ARGV[14] ~= switched then return answer_error('tidal_changed') end
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
