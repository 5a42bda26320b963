-- pause / resume (暂停 / 恢复) a window. A paused window keeps its current visitor (the clerk may still
-- complete, skip or transfer) but calls nobody new.
-- ARGV[8] window number   ARGV[9] 'pause' or 'resume'
local replay = replayed()
if replay then return replay end
roll_over()
local n, action = ARGV[8], ARGV[9]
local w = load_window(n)
if action == 'pause' then
  if w.state == 'paused' then return answer_error('window_paused') end
  w.state = 'paused'
  w.paused_at = AT
  emit('paused', {window = tonumber(n)})
else
  if w.state ~= 'paused' then return answer_error('window_not_paused') end
  w.state = 'open'
  w.paused_at = nil
  emit('resumed', {window = tonumber(n)})
end
save_window(n, w)
return finish({window = w})
