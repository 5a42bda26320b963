-- waiting_now (read): how many wait in the hall, and how long the visitor first in each line (normal and
-- priority, of every category: the one called next) has waited since taking the ticket, the longest of those in
-- ms (0 when nobody waits). For /metrics. Changes nothing (no roll-over either: a read may lag a day change by
-- one event, never cause it). Takes no arguments. O(categories), whatever the length of the lines.
local count, longest = 0, 0
for _, code in ipairs(CODES) do
  for _, key in ipairs({LINE[code].normal, LINE[code].priority}) do
    count = count + redis.call('ZCARD', key)
    local head = redis.call('ZRANGE', key, 0, 0)[1]
    local t = head and load_ticket(head)
    if t and t.issued_ms and NOW_MS - t.issued_ms > longest then longest = NOW_MS - t.issued_ms end
  end
end
return cjson.encode({waiting = count, longest_ms = longest})
