-- Lua 5.4's pattern functions, case by case: tests/t_nedcfg.sh runs this file with lua5.4
-- and in lsbimg's sandbox (which has its own, budgeted matcher) and compares the output.
local function show(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do
    local v = select(i, ...)
    out[#out + 1] = type(v) == "string" and ("%q"):format(v) or tostring(v)
  end
  return table.concat(out, ", ")
end
local function try(what, f, ...)
  print(what, show(pcall(f, ...)))
end

local subjects = { "", "a", "hello world", "  x = 1; y=22 ", "(foo(bar))baz", "THE (quick) fox",
  "a.b-c_d", "\0zero\0", "aaa", "key = value\nother=2", "[[x]]", "%d%%", "é ü", "12ab34" }
local patterns = { "", "a", "^a", "a$", "^$", ".", "%a+", "%A+", "%d+", "%D", "%s*", "%S+",
  "%w+", "%W", "%l", "%u+", "%p", "%c", "%x+", "%g+", "[aeiou]", "[^aeiou]+", "[%a_]+",
  "[a-c]+", "[]]", "[^]]", "[a-]", "a*", "a+", "a-", "a?", "a-b", ".-", ".*", "(%a+)",
  "(%a+)%s*=%s*(%w+)", "()a()", "(a)(b)?", "%bxy", "%b()", "%f[%a]%a+", "%f[%z]", "%f[^%z]",
  "(a)%1", "(%w)%1", "^(%s*)(.-)(%s*)$", "(h)(e)(l)(l)(o)", "%.", "%%", "[%]]", "[%-a]+",
  "\0", "%z", "x*$", "^(.-)=", "[^%s=]+", "(%d)(%d)", "^%s*$", "%s+$" }
for _, s in ipairs(subjects) do
  for _, p in ipairs(patterns) do
    try("find " .. ("%q %q"):format(s, p), string.find, s, p)
    try("match", string.match, s, p)
    try("gsub", string.gsub, s, p, "<%0>")
    local t = {}
    local ok, err = pcall(function() for a, b in s:gmatch(p) do t[#t + 1] = show(a, b) end end)
    print("gmatch", ok, ok and table.concat(t, " | ") or err)
  end
end

-- init positions, plain find, anchors with init, gmatch with init
for _, init in ipairs({ -100, -3, -1, 0, 1, 2, 5, 11, 12, 13, 100 }) do
  try("find init " .. init, string.find, "hello world", "o", init)
  try("find plain " .. init, string.find, "a.b.c", ".", init, true)
  try("match anchor " .. init, string.match, "hello world", "^%a+", init)
  try("match empty " .. init, string.match, "hello", "()", init)
  local t = {}
  for w in ("one two three"):gmatch("%a+", init) do t[#t + 1] = w end
  print("gmatch init " .. init, table.concat(t, ","))
end

-- gsub replacements: strings with captures, tables, functions, limits
try("gsub %1", string.gsub, "hello world", "(o)", "[%1]")
try("gsub %2", string.gsub, "k=v, a=b", "(%w+)=(%w+)", "%2=%1")
try("gsub %%", string.gsub, "100", "0", "%%")
try("gsub bad %", string.gsub, "x", "x", "%q")
try("gsub bad index", string.gsub, "x", "x", "%2")
try("gsub table", string.gsub, "$name is $age", "%$(%w+)", { name = "lua", age = 31 })
try("gsub table false", string.gsub, "$a $b", "%$(%w+)", { a = false, b = "B" })
try("gsub function", string.gsub, "abc", "%w", function(c) return c:upper() .. "." end)
try("gsub function nil", string.gsub, "abc", "%w", function(c) if c == "b" then return "B" end end)
try("gsub function bad", string.gsub, "abc", "%w", function() return {} end)
try("gsub number repl", string.gsub, "abc", "b", 7)
try("gsub max", string.gsub, "aaaa", "a", "b", 2)
try("gsub max 0", string.gsub, "aaaa", "a", "b", 0)
try("gsub anchored", string.gsub, "aaa", "^a", "b")
try("gsub empty", string.gsub, "abc", "", "-")
try("gsub position", string.gsub, "abc", "()", "%1")
try("gsub bad repl", string.gsub, "abc", "b", true)

-- errors
for _, p in ipairs({ "[a", "%", "(", ")", "%1", "(()", "%b", "%ba", "%f", "%fa", "(%1)",
                     "((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))" }) do
  try("error " .. p, string.find, "abc", p)
  try("error gsub " .. p, string.gsub, "abc", p, "x")
end
try("too complex", string.match, string.rep("a", 300), string.rep("a?", 300) .. string.rep("a", 300))
try("string methods", function() return ("x=1"):match("(%w)=(%d)") end)
