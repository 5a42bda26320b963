-- case_step: a supervisor moves a 差评's case one step on (待核实 → 整改中 → 已回访 → 已办结), recording who, when
-- and what was done. The step names the state it leaves, so of two supervisors acting at once only the first
-- moves it. No hall event: the follow-up is the staff's record, and the hall's stream is public.
-- Extra KEYS as rate.lua: KEYS[E+3] 差评 cases (hash case id -> JSON)
-- A.case the case id   A.from the state it must be in   A.to the next state   A.by who   A.note what was done
local E = FIXED_KEYS + 2 * #CODES
local CASES = KEYS[E + 3]
local raw = redis.call('HGET', CASES, A.case)
if not raw then return answer_error('unknown_case') end
local c = cjson.decode(raw)
if c.state ~= A.from then return answer_error('step_out_of_order', {state = c.state}) end
c.state = A.to
table.insert(c.steps, {state = A.to, at = AT, day = DAY, by = A.by, note = A.note})
redis.call('HSET', CASES, c.id, cjson.encode(c))
return finish({case = c})
