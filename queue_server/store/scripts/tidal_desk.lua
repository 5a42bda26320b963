-- tidal_desk: what the tidal controller leaves to people (store/tidal_desk.py): in suggest mode the switches it
-- proposes to the supervisor, and the alerts that call back-office staff (后台力量) to a reserve window. Each change
-- comes with its event in the same step, so the console and the back-office page, which follow the stream, never
-- miss one. Its own keys follow the standard ones (store/tidal_desk.py extra_keys):
--   KEYS[E+1] suggestions (hash "kind|window|service" -> JSON)   KEYS[E+2] declined (hash "window|service" -> ms)
--   KEYS[E+3] alerts (hash id -> JSON), where E = FIXED_KEYS + 2 * #CODES
-- A.action 'suggest', 'close_suggestion', 'alert' or 'close_alert'
-- suggest: A.suggestions what the controller would do now, each {key, id (taken when it is new), kind, window,
--   service, cause, reason, expected}; a suggestion it no longer makes expires
-- close_suggestion: A.id   A.outcome 'approved' or 'declined'   A.until_ms declined: not suggested again before
-- alert: A.id   A.window   A.service   A.reason
-- close_alert: A.id   A.outcome 'expired' or 'withdrawn' (an alert nobody has accepted yet)
local E = FIXED_KEYS + 2 * #CODES
local SUGGESTIONS, DECLINED, ALERTS = KEYS[E + 1], KEYS[E + 2], KEYS[E + 3]

local function closed_event(s, outcome)
  return {id = s.id, kind = s.kind, window = s.window, service = s.service, outcome = outcome}
end

local function all_of(key)
  local found = {}
  local raw = redis.call('HGETALL', key)
  for i = 1, #raw, 2 do found[raw[i]] = raw[i + 1] end
  return found
end

if A.action == 'suggest' then
  local old = all_of(SUGGESTIONS)
  local made = {}
  local wanted = {}
  for _, s in ipairs(A.suggestions) do
    wanted[s.key] = true
    local kept = old[s.key] and cjson.decode(old[s.key])
    if kept then
      -- The same suggestion again keeps its id and its time; its figures are brought up to date quietly.
      kept.reason, kept.cause, kept.expected = s.reason, s.cause, s.expected
      redis.call('HSET', SUGGESTIONS, s.key, cjson.encode(kept))
    else
      local new = {id = s.id, kind = s.kind, window = s.window, service = s.service, cause = s.cause,
                   reason = s.reason, expected = s.expected, at = AT}
      redis.call('HSET', SUGGESTIONS, s.key, cjson.encode(new))
      emit('tidal_suggested', {id = new.id, kind = new.kind, window = new.window, service = new.service,
                               cause = new.cause, reason = new.reason})
      made[#made + 1] = new
    end
  end
  for key, raw in pairs(old) do
    if not wanted[key] then
      redis.call('HDEL', SUGGESTIONS, key)
      emit('tidal_suggestion_closed', closed_event(cjson.decode(raw), 'expired'))
    end
  end
  for key, until_ms in pairs(all_of(DECLINED)) do
    if tonumber(until_ms) <= NOW_MS then redis.call('HDEL', DECLINED, key) end
  end
  return cjson.encode({made = made})
end

if A.action == 'close_suggestion' then
  for key, raw in pairs(all_of(SUGGESTIONS)) do
    local s = cjson.decode(raw)
    if s.id == A.id then
      redis.call('HDEL', SUGGESTIONS, key)
      if A.outcome == 'declined' then
        redis.call('HSET', DECLINED, s.window .. '|' .. s.service, A.until_ms)
      end
      emit('tidal_suggestion_closed', closed_event(s, A.outcome))
      return cjson.encode({suggestion = s})
    end
  end
  return answer_error('unknown_suggestion')
end

if A.action == 'alert' then
  -- One alert per window at a time: the back office answers it, or it expires, before another is raised.
  for _, raw in pairs(all_of(ALERTS)) do
    if cjson.decode(raw).window == A.window then return answer_error('alert_out', {window = A.window}) end
  end
  local alert = {id = A.id, service = A.service, window = A.window, reason = A.reason, at = AT, at_ms = NOW_MS,
                 state = 'open'}
  redis.call('HSET', ALERTS, A.id, cjson.encode(alert))
  emit('alert', {id = A.id, service = A.service, window = A.window, reason = A.reason})
  return cjson.encode({alert = alert})
end

-- close_alert
local raw = redis.call('HGET', ALERTS, A.id)
if not raw then return answer_error('unknown_alert') end
local alert = cjson.decode(raw)
if alert.state ~= 'open' then return answer_error('alert_taken') end
redis.call('HDEL', ALERTS, A.id)
emit('alert_closed', {id = alert.id, window = alert.window, service = alert.service, outcome = A.outcome})
return cjson.encode({alert = alert})
