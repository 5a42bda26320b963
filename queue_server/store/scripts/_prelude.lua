-- Shared by every script; HallStore (store/hall_store.py) prepends it. Each script changes the hall's state AND appends the event
-- to the hall's stream in one atomic step, so no screen can ever see a state the store never had.
--
-- KEYS (the same layout for every script; all share the hall's hash tag):
--   KEYS[1] event stream        KEYS[2] tickets (hash id -> JSON)   KEYS[3] windows (hash n -> JSON)
--   KEYS[4] business day        KEYS[5] arrival sequence            KEYS[6] numbers issued today (hash)
--   KEYS[7] recent calls (list) KEYS[8] idempotency record          KEYS[9] served today (hash window -> n)
--   KEYS[10] recent handling times (hash category -> JSON list of minutes)
--   KEYS[11] ticket ids by business day (zset)   KEYS[12] bookings (hash code -> JSON)
--   KEYS[13] booking slot counts and who booked (hash)   KEYS[14] booking check-in deadlines (zset)
--   KEYS[15] paused time per day and window (hash "day|n" -> ms)
--   KEYS[16] the last session boundary announced (ms)
--   KEYS[17] today's tickets of anonymous clients (hash "holder|category" -> ticket id)
--   KEYS[17+2i-1], KEYS[17+2i]  waiting lines (normal, priority) of the i-th category of CALL.codes
-- ARGV[1] is one JSON object, its fields named (HallStore.run makes it):
--   now_ms     now, ms since the epoch          at          now as ISO text in the hall's zone
--   day        the business day of now          fingerprint the request's, for idempotency ('' = none)
--   idem_ttl   idempotency TTL, seconds         codes       the category codes, in KEYS order
--   stream_max stream length to keep            args        the script's own arguments, by name (each
--                                                            script's header lists them)
local CALL = cjson.decode(ARGV[1])
local NOW_MS = CALL.now_ms
local AT = CALL.at
local DAY = CALL.day
local IDEM = CALL.fingerprint
local IDEM_TTL = CALL.idem_ttl
local STREAM_MAX = CALL.stream_max
local A = CALL.args

local FIXED_KEYS = 17
local CODES = {}
local LINE = {}
do
  local i = 0
  for _, code in ipairs(CALL.codes) do
    i = i + 1
    CODES[i] = code
    LINE[code] = {normal = KEYS[FIXED_KEYS + 2 * i - 1], priority = KEYS[FIXED_KEYS + 2 * i]}
  end
end

local function emit(kind, fields)
  fields.type = kind
  fields.at = AT
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', STREAM_MAX, '*', 'type', kind, 'data', cjson.encode(fields))
end

local function load_ticket(id)
  local raw = redis.call('HGET', KEYS[2], id)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function save_ticket(t)
  redis.call('HSET', KEYS[2], t.id, cjson.encode(t))
end

local function load_window(n)
  local raw = redis.call('HGET', KEYS[3], n)
  if raw then return cjson.decode(raw) end
  return {state = 'open'}
end

local function save_window(n, w)
  redis.call('HSET', KEYS[3], n, cjson.encode(w))
end

local function lane_of(t)
  return t.priority and 'priority' or 'normal'
end

-- Visitors ahead of a waiting ticket in its own category: every priority ticket, then the earlier ones.
local function people_ahead(t)
  local line = LINE[t.service]
  if not line or t.state ~= 'waiting' then return 0 end
  local rank = redis.call('ZRANK', line[lane_of(t)], t.id)
  if not rank then return 0 end
  if t.priority then return rank end
  return rank + redis.call('ZCARD', line.priority)
end

local function call_fields(t, kind_fields)
  local f = {ticket_id = t.id, number = t.number, service = t.service, priority = t.priority}
  for k, v in pairs(kind_fields or {}) do f[k] = v end
  return f
end

-- A refusal by its code (core/errors.py SCRIPT_ERRORS gives its words); ``details`` fill in the message.
local function answer_error(code, details)
  return cjson.encode({error = code, details = details})
end

-- The business day moves forward: whoever still waits from the old day is expired (with an event, never
-- dropped silently), and the day's numbers, served counts and recent calls start afresh. An older day (a
-- process whose clock is behind) never moves it back.
local function roll_over()
  local stored = redis.call('GET', KEYS[4])
  if stored == DAY or (stored and stored > DAY) then return end
  redis.call('SET', KEYS[4], DAY)
  if not stored then return end
  for _, code in ipairs(CODES) do
    for _, lane in ipairs({'priority', 'normal'}) do
      local key = LINE[code][lane]
      for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
        local t = load_ticket(id)
        if t then
          t.state = 'expired'
          t.finished_at = AT
          save_ticket(t)
          emit('expired', call_fields(t, {business_day = t.business_day}))
        end
      end
      redis.call('DEL', key)
    end
  end
  redis.call('DEL', KEYS[6], KEYS[7], KEYS[9], KEYS[17])
  -- Yesterday's clerks are not today's: a session that ran out without a sign-out must not name anyone on a
  -- window screen this morning (today's sign-in names them again).
  for _, n in ipairs(redis.call('HKEYS', KEYS[3])) do
    local w = load_window(n)
    if w.clerk then
      w.clerk = nil
      save_window(n, w)
      emit('clerk_changed', {window = tonumber(n), clerk = ''})
    end
  end
  emit('day_started', {business_day = DAY, previous_day = stored})
end

local function today()
  return redis.call('GET', KEYS[4]) or DAY
end

-- A retried request (same Idempotency-Key) gets the first answer back instead of acting twice.
local function replayed()
  if IDEM == '' then return nil end
  local raw = redis.call('GET', KEYS[8])
  if not raw then return nil end
  local record = cjson.decode(raw)
  if record.fp ~= IDEM then return answer_error('idempotency_key_reused') end
  local answer = cjson.decode(record.answer)
  answer.replayed = true
  return cjson.encode(answer)
end

local function finish(answer)
  local text = cjson.encode(answer)
  if IDEM ~= '' then
    redis.call('SET', KEYS[8], cjson.encode({fp = IDEM, answer = text}), 'EX', IDEM_TTL)
  end
  return text
end

-- How long the last visitors of a category took at the window, for the tidal controller's predicted wait.
local HANDLING_KEPT = 20
local function remember_handling(t)
  if not t.called_ms then return end
  local raw = redis.call('HGET', KEYS[10], t.service)
  local recent = raw and cjson.decode(raw) or {}
  table.insert(recent, 1, (NOW_MS - t.called_ms) / 60000)
  while #recent > HANDLING_KEPT do table.remove(recent) end
  redis.call('HSET', KEYS[10], t.service, cjson.encode(recent))
end

-- The window's current visitor is done (办结): counted for the window, announced as completed.
local function complete_current(n, w)
  local t = w.current and load_ticket(w.current)
  w.current = nil
  w.since = nil
  if not t or t.state ~= 'called' then return nil end
  t.state = 'served'
  t.finished_at = AT
  save_ticket(t)
  redis.call('HINCRBY', KEYS[9], n, 1)
  remember_handling(t)
  emit('completed', call_fields(t, {window = tonumber(n)}))
  return t
end

local function current_ticket(n)
  local w = load_window(n)
  local t = w.current and load_ticket(w.current)
  if not t or t.state ~= 'called' then return w, nil end
  return w, t
end

local function place_in_line(t, score)
  redis.call('ZADD', LINE[t.service][lane_of(t)], score, t.id)
end

-- A business day as a number (2026-11-23 -> 20261123), the score of the day index.
local function day_number(day)
  return tonumber((string.gsub(day, '-', '')))
end

-- A new waiting ticket (取号), numbered per category and business day, in line and in the day's index, with
-- its 'issued' event. ``extra`` adds fields (a booking's code). Returns the ticket with ``ahead`` set.
local function new_ticket(code, priority, id, extra)
  local n = redis.call('HINCRBY', KEYS[6], code, 1)
  local t = {
    id = id, number = string.format('%s%03d', code, n), service = code, priority = priority,
    state = 'waiting', seq = redis.call('INCR', KEYS[5]), issued_at = AT, issued_ms = NOW_MS,
    business_day = today(),
  }
  for k, v in pairs(extra or {}) do t[k] = v end
  save_ticket(t)
  redis.call('ZADD', KEYS[11], day_number(t.business_day), t.id)
  place_in_line(t, t.seq)
  local ahead = people_ahead(t)
  -- the public channel says that a ticket is a booked one, never the booking's code
  emit('issued', call_fields(t, {ahead = ahead, business_day = t.business_day, booked = t.booking and true or nil}))
  t.ahead = ahead
  return t
end

