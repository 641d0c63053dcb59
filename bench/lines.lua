-- wrk script: each request takes the next line of a file, as its body ("body") or its path
-- ("path"). Usage: wrk ... -s bench/lines.lua -- FILE MODE [METHOD]
local lines, i, mode = {}, 0, "body"

function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  mode = args[2] or "body"
  wrk.method = args[3] or "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  i = i % #lines + 1
  if mode == "path" then
    return wrk.format(wrk.method, lines[i], wrk.headers, "")
  end
  return wrk.format(wrk.method, wrk.path, wrk.headers, lines[i])
end
