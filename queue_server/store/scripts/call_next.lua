-- call_next (呼叫下一位): complete the window's current visitor, then call the next one it serves:
-- priority tickets first, then by the window's policy ('oldest' across its categories, or 'order': the
-- first category in its list that has anyone waiting).
-- A.window window number   A.services the window's categories, in priority order
-- A.policy ('oldest' or 'order')   A.clerk the signed-in clerk's username ('' for a supervisor), kept
-- on the ticket for the clerks' overtime report
local replay = replayed()
if replay then return replay end
roll_over()
local n, services, policy = tostring(A.window), A.services, A.policy
local w = load_window(n)
if w.state == 'paused' then return answer_error('window_paused') end
-- A reserve window with its back-office clerk still there but handed back serves nobody more (it is closing).
if w.reserve and not w.tidal then return answer_error('window_paused') end
-- A tidal window switched to a congested category (潮汐窗口) serves that category first, and its own only while
-- nobody waits in it: a clerk sent to help is never idle in front of their own line. A reserve window (后台力量)
-- has no line of its own: its back-office clerk came for the one category.
if w.tidal then
  local own = w.reserve and {} or services
  services, policy = {w.tidal.service}, 'order'
  for _, code in ipairs(own) do
    if code ~= w.tidal.service then services[#services + 1] = code end
  end
end
complete_current(n, w)

local chosen, chosen_key
for _, lane in ipairs({'priority', 'normal'}) do
  local best_score
  for _, code in ipairs(services) do
    local key = LINE[code] and LINE[code][lane]
    local head = key and redis.call('ZRANGE', key, 0, 0, 'WITHSCORES') or {}
    if head[1] then
      local score = tonumber(head[2])
      if not best_score or score < best_score then
        chosen, chosen_key, best_score = head[1], key, score
      end
      if policy == 'order' then break end
    end
  end
  if chosen then break end
end

if not chosen then
  save_window(n, w)
  return finish({ticket = cjson.null})
end
redis.call('ZREM', chosen_key, chosen)
local t = load_ticket(chosen)
t.state = 'called'
t.window = tonumber(n)
t.called_at = AT
t.called_ms = NOW_MS
t.recalls = 0
-- whoever calls now serves the visitor (a supervisor: nobody named), never a clerk who called them before a transfer
t.clerk = A.clerk ~= '' and A.clerk or nil
-- Called for the category a tidal window was switched to (潮汐窗口): counted in the statistics' tidal share.
if w.tidal and t.service == w.tidal.service then t.tidal = true end
save_ticket(t)
w.current = t.id
w.since = AT
save_window(n, w)
local event = call_fields(t, {window = t.window})
local id = emit('called', event)
event.event_id = id
redis.call('LPUSH', KEYS[7], cjson.encode(event))
redis.call('LTRIM', KEYS[7], 0, 19)
return finish({ticket = t})
