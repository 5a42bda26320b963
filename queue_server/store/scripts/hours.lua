-- hours (延时错时服务): a session started or ended. Screens and kiosks hear it as an 'hours' event, so the
-- session line and the open categories change on time though no ticket moved. Every server process runs a
-- keeper that calls this at each boundary; KEYS[16] remembers the last boundary announced, so it is said once.
-- A.boundary_ms the boundary, ms since the epoch
-- A.data the event's data as JSON text, made by the store (passed through as is: Lua's cjson would turn an empty
--         list into an object)
roll_over()
local boundary = A.boundary_ms
if boundary <= tonumber(redis.call('GET', KEYS[16]) or '0') then
  return cjson.encode({announced = false})
end
redis.call('SET', KEYS[16], boundary)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', STREAM_MAX, '*', 'type', 'hours', 'data', A.data)
return cjson.encode({announced = true})
