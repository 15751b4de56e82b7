-- test_create.lua -- sonic.create, sonic.poll, sonic.wait against a fast
-- sandbox (--speed 1000 --clip-seconds 3 --credits 1000000).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local STATES = { not_ready = true, pending = true, running = true,
                 succeeded = true, failed = true }
local CLIP_SECONDS = 3

local function check_poll (p, what)
  t.type(p, "table", what)
  t.ok(STATES[p.state], (what or "poll") .. ".state " .. t.show(p.state)
       .. " is one of not_ready|pending|running|succeeded|failed")
  t.type(p.clips, "table", (what or "poll") .. ".clips")
  t.type(p.done, "boolean", (what or "poll") .. ".done")
  return p
end

local function mv_is (clip, mv)
  -- the service may echo the older "chirp-" spelling
  local got = clip.mv
  t.ok(got == mv or got == mv:gsub("^sonic%-", "chirp-"),
       "clip.mv: expected " .. mv .. ", got " .. t.show(got))
end

t.case("create returns a handle with a string id", function ()
  local task = sonic.create{ gpt_description_prompt = "a calm piano piece" }
  t.type(task.id, "string", "task.id")
  t.ok(#task.id > 0, "task.id is not empty")
  sonic.wait(task)
end)

t.case("create fills mv = sonic-v5 and custom_mode = false (description)",
       function ()
  -- the sandbox rejects a create_music without custom_mode or mv, so a
  -- success here shows both were filled in
  local clips = sonic.wait(sonic.create{
    gpt_description_prompt = "an upbeat song about trains" })
  t.eq(#clips, 2, "create_music gives 2 clips")
  for i, c in ipairs(clips) do
    t.check_clip(c, "clip " .. i)
    mv_is(c, "sonic-v5")
  end
  t.ne(clips[1].clip_id, clips[2].clip_id, "the two clip ids")
end)

t.case("create fills custom_mode = true when prompt (lyrics) is given",
       function ()
  local clips = sonic.wait(sonic.create{
    prompt = "[Verse]\nTrains go by\n[Chorus]\nAll night long",
    title = "Night Trains", tags = "jazz, piano" })
  t.eq(#clips, 2)
  for i, c in ipairs(clips) do
    t.check_clip(c, "clip " .. i)
    t.eq(c.title, "Night Trains", "clip " .. i .. ".title")
    t.eq(c.tags, "jazz, piano", "clip " .. i .. ".tags")
    mv_is(c, "sonic-v5")
  end
end)

t.case("explicit mv and custom_mode are kept", function ()
  local clips = sonic.wait(sonic.create{
    gpt_description_prompt = "folk song", custom_mode = false,
    mv = "sonic-v4", make_instrumental = true })
  t.eq(#clips, 2)
  mv_is(clips[1], "sonic-v4")
end)

t.case("wait: clips have numeric duration and a final audio_url", function ()
  local clips = sonic.wait(sonic.create{ gpt_description_prompt = "x" })
  for i, c in ipairs(clips) do
    t.check_clip(c, "clip " .. i)
    t.ok(math.abs(c.duration - CLIP_SECONDS) < 0.15,
         "duration " .. c.duration .. " ~ --clip-seconds " .. CLIP_SECONDS)
    t.type(c.created_at, "string", "created_at")
  end
end)

t.case("clip tables carry no JSON nulls", function ()
  local null = require("cjson").null
  local clips = sonic.wait(sonic.create{ gpt_description_prompt = "nulls" })
  for i, c in ipairs(clips) do
    for k, v in pairs(c) do
      t.ok(v ~= null, "clip " .. i .. "." .. tostring(k) .. " is cjson.null")
    end
  end
end)

t.case("wait accepts a task id string and an options table", function ()
  local task = sonic.create{ gpt_description_prompt = "by id" }
  local clips = sonic.wait(task.id, { timeout = 30 })
  t.eq(#clips, 2)
  t.check_clip(clips[1])
end)

t.case("wait on a finished task returns the same clips again", function ()
  local task = sonic.create{ gpt_description_prompt = "twice" }
  local a = sonic.wait(task)
  local b = sonic.wait(task)
  t.eq({ b[1].clip_id, b[2].clip_id }, { a[1].clip_id, a[2].clip_id })
end)

t.case("poll: fields state/clips/done, done after wait", function ()
  local task = sonic.create{ gpt_description_prompt = "poll me" }
  local p0 = check_poll(sonic.poll(task), "first poll")
  if p0.done then
    t.ok(p0.state == "succeeded" or p0.state == "failed",
         "done only in a terminal state, got " .. t.show(p0.state))
  end
  local clips = sonic.wait(task)
  local p = check_poll(sonic.poll(task), "poll after wait")
  t.eq(p.state, "succeeded", "state")
  t.eq(p.done, true, "done")
  t.eq(#p.clips, 2, "#clips")
  t.eq(p.clips[1].clip_id, clips[1].clip_id)
  t.eq(p.clips[1].state, "succeeded")
  t.type(p.clips[1].duration, "number", "poll clip duration")
end)

t.case("poll accepts a task id string", function ()
  local task = sonic.create{ gpt_description_prompt = "poll by id" }
  sonic.wait(task)
  local p = check_poll(sonic.poll(task.id))
  t.eq(p.state, "succeeded")
  t.eq(p.done, true)
end)

t.case("poll while running never reports done with unfinished clips",
       function ()
  local task = sonic.create{ gpt_description_prompt = "watch it" }
  for _ = 1, 200 do
    local p = check_poll(sonic.poll(task))
    local all_terminal = #p.clips > 0
    for _, c in ipairs(p.clips) do
      if c.state ~= "succeeded" and c.state ~= "failed" then
        all_terminal = false
      end
      if c.state ~= "succeeded" then
        -- a preview is never handed back as the final file
        t.ok(c.audio_url == nil or c.audio_url == "", "clip in state "
             .. t.show(c.state) .. " has audio_url " .. t.show(c.audio_url))
      end
    end
    t.eq(p.done, all_terminal, "done <=> every clip terminal, state "
         .. t.show(p.state))
    if p.done then return end
    sonic.sleep(0.01)
  end
  error("task not done after 200 polls")
end)

t.summary()
