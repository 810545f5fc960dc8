-- Cycles through the comma-separated paths in PATHS (a realistic read mix of the Conduit API).
local paths = {}
for path in string.gmatch(os.getenv("PATHS") or "/api/tags", "[^,]+") do table.insert(paths, path) end
local index = 0
request = function()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
