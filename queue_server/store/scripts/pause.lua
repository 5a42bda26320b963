-- pause / resume (暂停 / 恢复) a window. A paused window keeps its current visitor (the clerk may still
-- complete, skip or transfer) but calls nobody new.
-- A.window window number   A.action 'pause' or 'resume'   A.reason why it pauses (core/pauses.py), or null
local replay = replayed()
if replay then return replay end
roll_over()
local n, action = tostring(A.window), A.action
local w = load_window(n)
if action == 'pause' then
  if w.state == 'paused' then return answer_error('window_paused') end
  w.state = 'paused'
  w.paused_at = AT
  w.paused_ms = NOW_MS
  w.paused_day = today()
  if A.reason ~= cjson.null then w.pause_reason = A.reason end
  emit('paused', {window = tonumber(n), reason = w.pause_reason})
else
  if w.state ~= 'paused' then return answer_error('window_not_paused') end
  w.state = 'open'
  -- Paused time counts against the window's open time in the statistics, on the day the pause began.
  if w.paused_ms then
    redis.call('HINCRBY', KEYS[15], (w.paused_day or today()) .. '|' .. n, NOW_MS - w.paused_ms)
  end
  w.paused_at, w.paused_ms, w.paused_day, w.pause_reason = nil, nil, nil, nil
  emit('resumed', {window = tonumber(n)})
end
save_window(n, w)
return finish({window = w})
