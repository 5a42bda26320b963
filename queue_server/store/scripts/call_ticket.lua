-- call_ticket (特呼): call one waiting ticket by name instead of the next in line — a visitor who stepped out
-- and came back, or one sent over by a colleague. Like call_next, it completes the window's current visitor
-- first and emits the same 'called' event (with special = true), so screens and the announcer treat it as a
-- call; the ticket leaves its line in the same step, so it can never be called twice.
-- A.window window number   A.services the window's own categories (a tidal window's switch is added here)
-- A.id the ticket's id     A.clerk the signed-in clerk's username ('' for a supervisor)
local STATE_ZH = {called = '已被叫号', served = '已办结', skipped = '已过号', expired = '已作废'}
local function not_waiting(t)
  return answer_error('ticket_not_waiting', {number = t.number, state = t.state, state_zh = STATE_ZH[t.state] or t.state})
end
local replay = replayed()
if replay then return replay end
roll_over()
local n = tostring(A.window)
local w = load_window(n)
if w.state == 'paused' then return answer_error('window_paused') end
local t = load_ticket(A.id)
if not t then return answer_error('unknown_ticket') end
if t.business_day ~= today() then return answer_error('ticket_from_another_day') end
if t.state ~= 'waiting' then
  return not_waiting(t)
end
-- The window's own categories and, while switched, its tidal category: a clerk calls only what the window
-- handles (转移 first sends a visitor to the right category).
local served = false
for _, code in ipairs(A.services) do
  if code == t.service then served = true end
end
if w.tidal and w.tidal.service == t.service then served = true end
if not served then return answer_error('not_served_here', {number = t.number, service = t.service}) end
local line = LINE[t.service]
if not line or redis.call('ZREM', line[lane_of(t)], t.id) ~= 1 then
  return not_waiting(t)
end
complete_current(n, w)
t.state = 'called'
t.window = tonumber(n)
t.called_at = AT
t.called_ms = NOW_MS
t.recalls = 0
t.special = true
-- whoever calls now serves the visitor (a supervisor: nobody named), never a clerk who called them before a transfer
t.clerk = A.clerk ~= '' and A.clerk or nil
if w.tidal then t.tidal = true end
save_ticket(t)
w.current = t.id
w.since = AT
save_window(n, w)
local event = call_fields(t, {window = t.window, special = true})
local id = emit('called', event)
event.event_id = id
redis.call('LPUSH', KEYS[7], cjson.encode(event))
redis.call('LTRIM', KEYS[7], 0, 19)
return finish({ticket = t})
