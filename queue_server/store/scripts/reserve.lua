-- reserve (后台力量): a back-office clerk accepts an alert and opens its reserve window for the alert's category, or
-- the window is handed back and closed again. Each happens in one step with all its events (resumed, tidal_opened,
-- clerk_changed, reserve_accepted; tidal_closed, paused, clerk_changed, reserve_released), so no screen ever sees
-- a reserve window switched with nobody named at it, two clerks sent to one window, or one clerk at two.
-- Its own keys follow the standard ones (store/reserve_desk.py):
--   KEYS[E+1] alerts (hash id -> JSON)   KEYS[E+2] … the clerk's sessions: accept: the new session's key;
--   release: the sessions the window's clerk was given, to end them. E = FIXED_KEYS + 2 * #CODES
-- A.action 'accept' or 'release'
-- accept: A.id the alert   A.username   A.name the clerk's display name (the window screen shows it, '' none)
--   A.session the session's JSON   A.ttl its lifetime, seconds   A.arrive_by when the clerk should be seated
--   A.windows the hall's reserve windows (a clerk sits at one at a time)
-- release: A.window   A.cause ('calm', 'signed_out' …)   A.reason, in words   A.force: release now even while a
--   visitor is at the window (a sign-out); otherwise the window is paused and released once that visitor is done
--   A.clerk only if this clerk (username) sits there ('' whoever does)
local E = FIXED_KEYS + 2 * #CODES
local ALERTS = KEYS[E + 1]

local function start_pause(n, w)
  w.state = 'paused'
  w.paused_at, w.paused_ms, w.paused_day = AT, NOW_MS, today()
  emit('paused', {window = tonumber(n)})
end

local function end_pause(n, w)
  -- Paused time counts against the window's open time in the statistics, on the day the pause began (pause.lua).
  if w.paused_ms then
    redis.call('HINCRBY', KEYS[15], (w.paused_day or today()) .. '|' .. n, NOW_MS - w.paused_ms)
  end
  w.state = 'open'
  w.paused_at, w.paused_ms, w.paused_day, w.pause_reason = nil, nil, nil, nil
  emit('resumed', {window = tonumber(n)})
end

roll_over()

if A.action == 'accept' then
  local raw = redis.call('HGET', ALERTS, A.id)
  if not raw then return answer_error('unknown_alert') end
  local alert = cjson.decode(raw)
  local n = tostring(alert.window)
  local w = load_window(n)
  if alert.state ~= 'open' then
    -- The clerk who took it asks again (an answer lost on the way): a fresh token for the same window.
    if alert.clerk == A.username and w.reserve and w.reserve.clerk == A.username then
      table.insert(w.reserve.sessions, KEYS[E + 2])
      save_window(n, w)
      redis.call('SET', KEYS[E + 2], A.session, 'EX', A.ttl)
      return cjson.encode({alert = alert, again = true})
    end
    return answer_error('alert_taken')
  end
  for _, other in ipairs(A.windows) do
    local seat = load_window(tostring(other)).reserve
    if seat and seat.clerk == A.username then return answer_error('reserve_busy', {window = other}) end
  end
  if w.reserve then return answer_error('alert_taken') end
  if w.state == 'paused' then end_pause(n, w) end
  w.state = 'open'
  local previous = w.tidal and w.tidal.service or ''
  if previous ~= alert.service then
    w.tidal = {service = alert.service, manual = false, since = AT, reason = alert.reason, cause = 'reserve'}
    local event = {window = alert.window, service = alert.service, cause = 'reserve', reason = alert.reason,
                   manual = false}
    if previous ~= '' then event.previous = previous end
    emit('tidal_opened', event)
  end
  w.clerk = {username = A.username, name = A.name}
  emit('clerk_changed', {window = alert.window, clerk = A.name})
  w.reserve = {clerk = A.username, alert = alert.id, service = alert.service, since = AT, arrive_by = A.arrive_by,
               sessions = {KEYS[E + 2]}}
  save_window(n, w)
  alert.state, alert.clerk, alert.clerk_name = 'accepted', A.username, A.name
  alert.accepted_at, alert.arrive_by = AT, A.arrive_by
  redis.call('HSET', ALERTS, alert.id, cjson.encode(alert))
  redis.call('SET', KEYS[E + 2], A.session, 'EX', A.ttl)
  emit('reserve_accepted', {id = alert.id, window = alert.window, service = alert.service, clerk = A.name,
                            arrive_by = A.arrive_by})
  return cjson.encode({alert = alert})
end

-- release
local n = tostring(A.window)
local w = load_window(n)
local seat = w.reserve
if not seat or (A.clerk ~= '' and seat.clerk ~= A.clerk) then
  return answer_error('not_reserved', {window = A.window})
end
if w.tidal then
  local service = w.tidal.service
  w.tidal = nil
  emit('tidal_closed', {window = A.window, service = service, cause = A.cause, reason = A.reason, manual = false})
end
if w.state ~= 'paused' then start_pause(n, w) end
local current = w.current and load_ticket(w.current)
if current and current.state == 'called' and not A.force then
  -- Paused, the window calls nobody new; its clerk finishes the visitor there, then the next tick releases it.
  seat.releasing = true
  save_window(n, w)
  return cjson.encode({released = false})
end
local ended = {}
for _, key in ipairs(seat.sessions or {}) do ended[key] = true end
for i = E + 2, #KEYS do
  if ended[KEYS[i]] then redis.call('DEL', KEYS[i]) end
end
local name = ''
if w.clerk and w.clerk.username == seat.clerk then
  name = w.clerk.name
  w.clerk = nil
  emit('clerk_changed', {window = A.window, clerk = ''})
end
w.reserve = nil
save_window(n, w)
redis.call('HDEL', ALERTS, seat.alert)
emit('reserve_released', {window = A.window, service = seat.service, clerk = name, cause = A.cause})
return cjson.encode({released = true})
