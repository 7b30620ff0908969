-- The oracle for tests/t_nedcfg.sh: runs a ned script with the real lua5.4 and a stand-in
-- for ned's L4 module, written from ned's rules independently of lsbimg's model, and
-- prints what each start hands to its program, in the format of `out/tests/nedcfg FILE`:
--   start LINE: PROGRAM ARGS... [init]
--     NAME            (sorted)
-- usage: lua5.4 mock_l4.lua SCRIPT      (exit 1 if the script fails)
local script = arg[1]
local starts = {}

-- The line of SCRIPT that called into the mock.
local function script_line()
  for level = 2, 100 do
    local info = debug.getinfo(level, "Sl")
    if not info then break end
    if info.source == "@" .. script then return info.currentline end
  end
  return 0
end

local Cap = {}
Cap.__index = Cap
local function cap(what) return setmetatable({ what = what }, Cap) end
local function is_cap(v) return getmetatable(v) == Cap end
function Cap:m() return cap(self.what) end
Cap.mode, Cap.rights = Cap.m, Cap.m
function Cap:svr() return cap(self.what) end
function Cap:is_valid() return true end
function Cap:create() return cap("created") end
function Cap:query() return cap("queried") end
Cap.q = Cap.query
function Cap:register() end

local Env = {}
for _, n in ipairs({ "parent", "mem_alloc", "rm", "log", "factory", "scheduler", "rom", "rwfs",
                     "icu", "sigma0", "mem", "jdb", "kip", "dma_mgr", "iommu", "arm_smc" }) do
  Env[n] = cap(n)
end
Env.user_factory = Env.mem_alloc

local inits = { ["/sbin/init"] = true, ["/usr/sbin/init"] = true,
                ["/lib/systemd/systemd"] = true, ["/usr/lib/systemd/systemd"] = true }

local function exec(env, ...)
  local args = table.pack(...)
  local n = args.n
  if n >= 2 and type(args[n]) == "table" then n = n - 1 end
  local argv = {}
  for i = 1, n do
    if args[i] ~= nil then argv[#argv + 1] = tostring(args[i]) end
  end
  local names = {}
  if env.caps then
    for k, v in pairs(env.caps) do
      while type(v) == "function" do v = v(env.caps) end
      if is_cap(v) then names[#names + 1] = tostring(k) end
    end
  end
  table.sort(names)
  local runs = inits[argv[1]] or false
  if not runs then
    for i = 2, #argv do
      if argv[i]:sub(1, 1) ~= "-" then runs = inits[argv[i]] or false; break end
    end
  end
  starts[#starts + 1] = { line = script_line(), argv = argv, names = names, init = runs }
  return {}
end

local Loader = {}
Loader.__index = Loader
local function namespace(l, tmpl)
  if type(tmpl) ~= "table" then return tmpl end
  for k, v in pairs(tmpl) do
    if type(v) == "function" then v = v(nil, k) end
    if type(v) == "table" and getmetatable(v) == nil then namespace(l, v) end
  end
  return cap("namespace")
end
function Loader.new(t)
  t = t or {}
  t.factory = t.factory or Env.factory
  return setmetatable(t, Loader)
end
function Loader:new_channel() return cap("gate") end
function Loader:create_namespace(t) return namespace(self, t) end
function Loader:startv(env, ...)
  local caps = env.caps or {}
  for k, v in pairs(caps) do
    if type(v) == "table" and getmetatable(v) == nil then caps[k] = namespace(self, v) end
  end
  caps.rom = caps.rom or Env.rom:m("r")
  env.caps = caps
  return exec(env, ...)
end
function Loader:start(env, cmd, posix_env)
  local a = {}
  for w in cmd:gmatch("%S+") do a[#a + 1] = w end
  a[#a + 1] = posix_env
  return self:startv(env, table.unpack(a))
end

local L4 = {
  Env = Env, Loader = Loader, default_loader = Loader.new({ mem = Env.mem_alloc }),
  exec = exec,
  Proto = { Ipc_gate = 0, Irq = -1, Sigma0 = -6, Log = -13, Scheduler = -14, Factory = -15,
            Dataspace = 0x4000, Namespace = 0x4001 },
  Rights = { s = 2, w = 1, r = 4, ro = 4, rw = 5, rws = 7 },
  Info = { arch = function() return "arm64" end, platform = function() return "arm_virt" end },
  cast = function(_, c) return cap(c.what) end,
  sleep = function() end,
}
package.preload["L4"] = function() return L4 end

local ok, err = pcall(dofile, script)
local init_seen = false
for _, s in ipairs(starts) do
  local mark = ""
  if s.init and not init_seen then mark = " [init]"; init_seen = true end
  print(("start %d: %s%s"):format(s.line, table.concat(s.argv, " "), mark))
  for _, n in ipairs(s.names) do print("  " .. n) end
end
if not ok then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
