-- clerk: who sits at a window now, for the window screen (窗口屏). Sign-in puts the clerk's public name on the
-- window and sign-out takes it off, each with a clerk_changed event in the same step, so a screen that follows
-- the stream and a snapshot never disagree about who serves there.
-- A.window window number   A.action 'arrive' or 'leave'   A.username who signs in or out
-- A.name the clerk's display name ('' when the hall gave none: the screen then names nobody)
roll_over()
local n = tostring(A.window)
local w = load_window(n)
if A.action == 'arrive' then
  if w.clerk and w.clerk.username == A.username and w.clerk.name == A.name then return finish({window = w}) end
  w.clerk = {username = A.username, name = A.name}
else
  -- Only the clerk shown may take the name off: signing out an older session must not blank a colleague's.
  if not w.clerk or w.clerk.username ~= A.username then return finish({window = w}) end
  w.clerk = nil
end
save_window(n, w)
emit('clerk_changed', {window = tonumber(n), clerk = w.clerk and w.clerk.name or ''})
return finish({window = w})
