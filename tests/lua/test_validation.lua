-- test_validation.lua -- client-side validation of create parameters.
--
-- Runs with --base-url http://127.0.0.1:1 (nothing listens there): any
-- request the runtime sends fails with kind 'network'. So a 'bad_request'
-- here proves the parameters were rejected BEFORE any request, and a
-- 'network' error proves a value at the limit passed validation.
-- The messages are the service's own (PROTOCOL.md, "exact strings").
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05 }
-- Not part of the API contract: the runtime retries a refused connection
-- with back-off; where it offers a knob for the back-off base, make the
-- 'network' cases below quick.
pcall(sonic.config, { retry_base = 0.001 })

local function create (p) return sonic.create(p) end
local function rep (n, s) return string.rep(s or "a", n) end

local MSG = {
  title = "The title character length should be less than 80.",
  tags200 = "The tags character length should be less than 200.",
  tags1000 = "The tags character length should be less than 1000.",
  prompt3000 = "The prompt character length should be less than 3000.",
  prompt5000 = "The prompt character length should be less than 5000.",
  gpt = "The 'gpt_description_prompt' character length should be less than 400.",
  instr = "The 'make_instrumental' field should be boolean.",
  custom = "The 'custom_mode' field should be boolean.",
  persona = "The 'persona_id' field is required when task_type = persona_music.",
}

local function bad (msg) return { kind = "bad_request", message = msg } end
local NET = "network"

t.case("sanity: the base URL is unreachable (kind network)", function ()
  local e = t.raises(NET, sonic.credits)
  t.error_shape(e)
end)

t.cases("create rejected before any request", {
  { "empty mv", create, { { gpt_description_prompt = "x", mv = "" } },
    false, { kind = "bad_request", match = "^The 'mv' field is invalid%." } },
  { "mv not a string", create, { { gpt_description_prompt = "x", mv = 5 } },
    false, { kind = "bad_request", match = "^The 'mv' field is invalid%." } },
  { "title of 81 characters", create, { { prompt = "la", title = rep(81) } },
    false, bad(MSG.title) },
  { "title of 81 two-byte characters", create,
    { { prompt = "la", title = rep(81, "é") } }, false, bad(MSG.title) },
  { "tags of 1001 characters (sonic-v5)", create,
    { { prompt = "la", tags = rep(1001) } }, false, bad(MSG.tags1000) },
  { "tags of 201 characters (sonic-v4)", create,
    { { prompt = "la", tags = rep(201), mv = "sonic-v4" } },
    false, bad(MSG.tags200) },
  { "tags of 201 characters (sonic-v3-5)", create,
    { { prompt = "la", tags = rep(201), mv = "sonic-v3-5" } },
    false, bad(MSG.tags200) },
  { "prompt of 3001 characters (sonic-v4)", create,
    { { prompt = rep(3001), mv = "sonic-v4" } }, false, bad(MSG.prompt3000) },
  { "prompt of 5001 characters (sonic-v5)", create,
    { { prompt = rep(5001) } }, false, bad(MSG.prompt5000) },
  { "gpt_description_prompt of 401 characters", create,
    { { gpt_description_prompt = rep(401) } }, false, bad(MSG.gpt) },
  { "make_instrumental as a string", create,
    { { gpt_description_prompt = "x", make_instrumental = "true" } },
    false, bad(MSG.instr) },
  { "make_instrumental as a number", create,
    { { gpt_description_prompt = "x", make_instrumental = 1 } },
    false, bad(MSG.instr) },
  { "custom_mode as a number", create,
    { { gpt_description_prompt = "x", custom_mode = 1 } },
    false, bad(MSG.custom) },
  { "persona_music without persona_id", create,
    { { task_type = "persona_music", prompt = "la" } },
    false, bad(MSG.persona) },
  { "cover with tags of 1001 characters", sonic.cover,
    { "00000000-0000-4000-8000-00000000000a", rep(1001) },
    false, bad(MSG.tags1000) },
  { "cover params with a long title", sonic.cover,
    { "00000000-0000-4000-8000-00000000000a",
      { tags = "jazz", title = rep(81) } }, false, bad(MSG.title) },
  { "extend with a long title", sonic.extend,
    { "00000000-0000-4000-8000-00000000000a",
      { continue_at = 1, title = rep(81) } }, false, bad(MSG.title) },
})

-- values exactly at the limits pass validation: the request is attempted
t.cases("create at the limits reaches the network", {
  { "title of 80 characters", create, { { prompt = "la", title = rep(80) } },
    false, NET },
  { "title of 80 two-byte characters", create,
    { { prompt = "la", title = rep(80, "é") } }, false, NET },
  { "tags of 1000 characters (sonic-v5)", create,
    { { prompt = "la", tags = rep(1000) } }, false, NET },
  { "tags of 201 characters (sonic-v4-5 is a newer model)", create,
    { { prompt = "la", tags = rep(201), mv = "sonic-v4-5" } }, false, NET },
  { "tags of 200 characters (sonic-v4)", create,
    { { prompt = "la", tags = rep(200), mv = "sonic-v4" } }, false, NET },
  { "prompt of 5000 characters (sonic-v5)", create,
    { { prompt = rep(5000) } }, false, NET },
  { "gpt_description_prompt of 400 characters", create,
    { { gpt_description_prompt = rep(400) } }, false, NET },
  { "make_instrumental true", create,
    { { gpt_description_prompt = "x", make_instrumental = true } },
    false, NET },
  { "every mv of PROTOCOL.md: sonic-v3-5", create,
    { { gpt_description_prompt = "x", mv = "sonic-v3-5" } }, false, NET },
  { "every mv of PROTOCOL.md: sonic-v4", create,
    { { gpt_description_prompt = "x", mv = "sonic-v4" } }, false, NET },
  { "every mv of PROTOCOL.md: sonic-v4-5", create,
    { { gpt_description_prompt = "x", mv = "sonic-v4-5" } }, false, NET },
  { "every mv of PROTOCOL.md: sonic-v4-5-plus", create,
    { { gpt_description_prompt = "x", mv = "sonic-v4-5-plus" } }, false, NET },
  { "every mv of PROTOCOL.md: sonic-v5", create,
    { { gpt_description_prompt = "x", mv = "sonic-v5" } }, false, NET },
  { "every mv of PROTOCOL.md: sonic-v5-5", create,
    { { gpt_description_prompt = "x", mv = "sonic-v5-5" } }, false, NET },
  -- the service is the authority on models: a name the client has never
  -- seen is sent (a warning is logged once), never refused before asking
  { "a model the client does not know is sent: sonic-v9", create,
    { { gpt_description_prompt = "x", mv = "sonic-v9" } }, false, NET },
  { "the v6 names reported in 2026-10", create,
    { { gpt_description_prompt = "x", mv = "sonic-v6-wild" } }, false, NET },
})

t.case("the 'mv' message lists the accepted models", function ()
  local e = t.raises("bad_request", create,
                     { gpt_description_prompt = "x", mv = 5 })
  for _, mv in ipairs{ "sonic-v3-5", "sonic-v4", "sonic-v4-5",
                       "sonic-v4-5-plus", "sonic-v5", "sonic-v5-5" } do
    t.contains(e.message, mv, "mv message")
  end
  t.one_line(tostring(e), "tostring(err)")
end)

t.case("create with a non-table argument raises", function ()
  t.raises(".", sonic.create, "a song")
  t.raises(".", sonic.create)
end)

t.summary()
