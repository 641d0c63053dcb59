-- wrk script: each request takes the next line of a file, as its body ("body") or its path
-- ("path"). Usage: wrk ... -s bench/lines.lua -- FILE MODE [METHOD] [SKIP]
-- SKIP lines are passed over first: a run in turns goes on where its last turn stopped.
local lines, i, mode = {}, 0, "body"

function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  mode = args[2] or "body"
  wrk.method = args[3] or "POST"
  i = tonumber(args[4] or "0") % #lines
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  i = i % #lines + 1
  if mode == "path" then
    return wrk.format(wrk.method, lines[i], wrk.headers, "")
  end
  return wrk.format(wrk.method, wrk.path, wrk.headers, lines[i])
end
