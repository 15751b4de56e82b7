-- test_transforms.lua -- cover, extend, concat, stems, upload, wav against
-- a fast sandbox (--speed 1000 --clip-seconds 3 --credits 1000000).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local src
local function source ()
  if not src then
    src = sonic.wait(sonic.create{ gpt_description_prompt = "a source song",
                                   title = "Source" })
    assert(#src == 2, "create gave " .. #src .. " clips")
  end
  return src[1]
end

local function total_credits ()
  local c = sonic.credits()
  return c.credits + c.extra_credits
end

-- Run fn (which submits one task) and return its clips and its price.
local function priced (fn)
  source()                     -- made before the price is measured
  local before = total_credits()
  local task = fn()
  local spent = before - total_credits()
  t.type(task, "table", "task handle")
  t.type(task.id, "string", "task.id")
  return sonic.wait(task), spent, task
end

-------------------------------------------------------------- cover

t.case("cover with a tags string: 2 clips in the new style, 15 credits",
       function ()
  local clips, spent = priced(function ()
    return sonic.cover(source(), "lo-fi, acoustic, mellow") end)
  t.eq(spent, 15, "credits spent")
  t.eq(#clips, 2, "#clips")
  for i, c in ipairs(clips) do
    t.check_clip(c, "cover clip " .. i)
    t.eq(c.tags, "lo-fi, acoustic, mellow", "cover clip " .. i .. ".tags")
    t.ne(c.clip_id, source().clip_id, "a new clip id")
  end
end)

t.case("cover with a params table (tags, title)", function ()
  local clips = sonic.wait(sonic.cover(source(), { tags = "synthwave",
                                                   title = "Neon" }))
  t.eq(#clips, 2)
  t.eq(clips[1].tags, "synthwave")
  t.eq(clips[1].title, "Neon")
end)

t.case("cover of a clip id string", function ()
  local clips = sonic.wait(sonic.cover(source().clip_id, "jazz"))
  t.eq(#clips, 2)
  t.check_clip(clips[1])
  t.eq(clips[1].tags, "jazz")
end)

-------------------------------------------------------------- extend, concat

t.case("extend with default continue_at, then concat", function ()
  local ext, spent = priced(function () return sonic.extend(source(), {}) end)
  t.eq(spent, 15, "extend credits")
  t.ok(#ext >= 1, "extend gives clips")
  for i, c in ipairs(ext) do t.check_clip(c, "extension " .. i) end
  local full, spent2 = priced(function () return sonic.concat(ext[1]) end)
  t.eq(spent2, 2, "concat credits")
  t.eq(#full, 1, "concat gives 1 full-length clip")
  t.check_clip(full[1], "concat clip")
end)

t.case("extend with explicit continue_at and tags", function ()
  local ext = sonic.wait(sonic.extend(source(), { continue_at = 1.5,
                                                  tags = "rock" }))
  t.ok(#ext >= 1)
  t.check_clip(ext[1])
end)

t.case("extend and concat of clip id strings", function ()
  local ext = sonic.wait(sonic.extend(source().clip_id, { continue_at = 2 }))
  local full = sonic.wait(sonic.concat(ext[1].clip_id))
  t.eq(#full, 1)
  t.check_clip(full[1])
end)

t.case("extend's default continue_at is the clip's duration", function ()
  -- a continue_at past the end is rejected or clamped by the service; the
  -- default must be accepted for any clip, including a cover
  local cover = sonic.wait(sonic.cover(source(), "piano"))
  local ext = sonic.wait(sonic.extend(cover[2], {}))
  t.check_clip(ext[1])
end)

-------------------------------------------------------------- stems

t.case("stems basic: 2 stems, 15 credits", function ()
  local stems, spent = priced(function ()
    return sonic.stems(source(), { full = false }) end)
  t.eq(spent, 15, "credits spent")
  t.eq(#stems, 2, "#stems")
  for i, c in ipairs(stems) do t.check_clip(c, "stem " .. i) end
end)

t.case("stems without options is basic", function ()
  local stems = sonic.wait(sonic.stems(source()))
  t.eq(#stems, 2, "#stems")
end)

t.case("stems full: 12 stems, 75 credits", function ()
  local stems, spent = priced(function ()
    return sonic.stems(source(), { full = true }) end)
  t.eq(spent, 75, "credits spent")
  t.eq(#stems, 12, "#stems")
  local ids = {}
  for i, c in ipairs(stems) do
    t.check_clip(c, "stem " .. i)
    t.eq(ids[c.clip_id], nil, "stem ids are distinct")
    ids[c.clip_id] = true
  end
end)

t.case("stems of a clip id string", function ()
  local stems = sonic.wait(sonic.stems(source().clip_id, { full = false }))
  t.eq(#stems, 2)
end)

-------------------------------------------------------------- upload

t.case("upload returns a clip table with clip_id; costs 2", function ()
  local before = total_credits()
  local up = sonic.upload(source().audio_url)
  t.type(up, "table", "upload result")
  t.type(up.clip_id, "string", "clip_id")
  t.ok(#up.clip_id > 0, "clip_id not empty")
  t.eq(before - total_credits(), 2, "credits spent")
end)

t.case("cover and extend of an uploaded clip", function ()
  local up = sonic.upload(source().audio_url)
  local covers = sonic.wait(sonic.cover(up, "orchestral"))
  t.eq(#covers, 2, "#covers")
  t.check_clip(covers[1])
  t.eq(covers[1].tags, "orchestral")
  local ext = sonic.wait(sonic.extend(up, { continue_at = 1 }))
  t.ok(#ext >= 1)
  t.check_clip(ext[1])
end)

t.case("upload of a bad URL raises a typed error", function ()
  local e = t.raises(".", sonic.upload, "not a url")
  t.error_shape(e)
end)

-------------------------------------------------------------- wav

t.case("wav returns {clip_id, wav_url}; costs 2", function ()
  local before = total_credits()
  local w = sonic.wav(source())
  t.type(w, "table", "wav result")
  t.eq(w.clip_id, source().clip_id, "clip_id")
  t.match(w.wav_url, "^https?://", "wav_url")
  t.eq(before - total_credits(), 2, "credits spent")
end)

t.case("wav of a clip id string", function ()
  local w = sonic.wav(source().clip_id)
  t.eq(w.clip_id, source().clip_id)
  t.match(w.wav_url, "^https?://")
end)

t.summary()
