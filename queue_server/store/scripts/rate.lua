-- rate (好差评): the visitor served on a ticket rates that service, once, within the hall's time; a 差评 opens its
-- follow-up case in the same step, and a public 'rated' event (number, window, level: never who served nor the
-- comment) tells the screens. Its own keys follow the standard ones (store/ratings.py gives them):
--   KEYS[E+1] ratings (hash ticket id -> JSON)   KEYS[E+2] rated ticket ids (zset, scored by business day)
--   KEYS[E+3] 差评 cases (hash case id -> JSON), where E = FIXED_KEYS + 2 * #CODES
-- A.id the ticket rated ('' : the window's last served ticket today)   A.window the evaluator's window (0: none)
-- A.channel 'phone' or 'window'   A.within_ms how long after service a rating is taken   A.within_minutes the same
-- A.level  A.reasons  A.comment   already checked by core/ratings.py   A.bad whether it is a 差评
-- A.deadlines the business day by which a 差评's case reaches each state
local E = FIXED_KEYS + 2 * #CODES
local RATINGS, RATED, CASES = KEYS[E + 1], KEYS[E + 2], KEYS[E + 3]

-- Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm), for times written as ISO text.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m > 2) and (m - 3) or (m + 9)
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- ms since the epoch of an ISO time with its UTC offset, as AT writes it ("2026-12-01T10:00:00.000+08:00")
local function epoch_ms(iso)
  local y, mo, d, h, mi, s, frac, sign, oh, om =
    string.match(iso, '^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)(%.?%d*)([%+%-])(%d+):(%d+)$')
  if not y then return nil end
  local ms = 0
  if frac ~= '' and frac ~= '.' then ms = math.floor(tonumber('0' .. frac) * 1000 + 0.5) end
  local offset = (tonumber(oh) * 60 + tonumber(om)) * 60000
  if sign == '-' then offset = -offset end
  local days = days_from_civil(tonumber(y), tonumber(mo), tonumber(d))
  return (days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)) * 1000 + ms - offset
end

-- The ticket served last at window n today (of two finished in the same ms, the one called later). Only tickets
-- whose text names the window and 'served' are decoded, so a busy day's index is walked cheaply.
local function last_served(n)
  local best, best_ms, best_call = nil, -1, -1
  local day = day_number(today())
  local pattern = '"window":' .. n .. '[,}]'
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[11], day, day)) do
    local raw = redis.call('HGET', KEYS[2], id)
    if raw and string.find(raw, '"state":"served"', 1, true) and string.find(raw, pattern) then
      local t = cjson.decode(raw)
      local ms = t.window == n and t.finished_at and epoch_ms(t.finished_at)
      local call = (t.called_ms or 0) + (t.seq or 0) / 1e9  -- then the later arrival: a total order
      if ms and (ms > best_ms or (ms == best_ms and call > best_call)) then best, best_ms, best_call = t, ms, call end
    end
  end
  return best
end

roll_over()
local t
if A.id ~= '' then
  t = load_ticket(A.id)
  if not t then return answer_error('unknown_ticket') end
else
  t = last_served(A.window)
  if not t then return answer_error('nothing_to_rate', {window = A.window}) end
end
if t.state ~= 'served' then return answer_error('not_served') end
if redis.call('HEXISTS', RATINGS, t.id) == 1 then return answer_error('already_rated') end
local served_ms = t.finished_at and epoch_ms(t.finished_at)
if not served_ms or NOW_MS > served_ms + A.within_ms then
  return answer_error('rating_closed', {minutes = A.within_minutes})
end
local r = {
  ticket_id = t.id, number = t.number, window = t.window, clerk = t.clerk, service = t.service,
  business_day = t.business_day, served_at = t.finished_at, channel = A.channel, level = A.level,
  reasons = A.reasons, comment = A.comment, at = AT, case_number = t.case_number,
}
local case = nil
if A.bad then
  case = {
    id = t.business_day .. '-' .. t.number, ticket_id = t.id, number = t.number, window = t.window,
    clerk = t.clerk, service = t.service, business_day = t.business_day, level = A.level, reasons = A.reasons,
    comment = A.comment, case_number = t.case_number, rated_at = AT, rated_day = DAY, state = 'to_verify',
    deadlines = A.deadlines, steps = {{state = 'to_verify', at = AT, day = DAY, by = '', note = ''}},
  }
  redis.call('HSET', CASES, case.id, cjson.encode(case))
  r.case_id = case.id
end
redis.call('HSET', RATINGS, t.id, cjson.encode(r))
redis.call('ZADD', RATED, day_number(t.business_day), t.id)
emit('rated', {number = t.number, service = t.service, window = t.window, level = A.level})
return finish({rating = r, case = case})
