--[=[ cover_extend_stems.lua -- cookbook: cover -> extend -> stems.

One song, re-styled, made longer, then split into vocals and instrumental.
Each step starts from a clip of the step before, so each waits for it; the
downloads at the end run at once.

  sonicflow run scripts/examples/cookbook/cover_extend_stems.lua [OUT]

OUT defaults to "chain". On the real service this costs 15 (create) + 15
(cover) + 15 (extend) + 2 (concat) + 15 (stems) = 62 credits: run it with
--dry-run first, then with --budget 62.
]=]

local sonic = require "sonic"

local out = arg[1] or "chain"

local song = sonic.wait(sonic.create{
  gpt_description_prompt = "an upbeat indie pop song about a bicycle ride",
  title = "Bicycle",
})
print("song       " .. song[1].clip_id)

-- a string is the cover's tags; a table can also set title, prompt, ...
local cover = sonic.wait(sonic.cover(song[1], "lo-fi, acoustic, mellow"))
print("cover      " .. cover[1].clip_id)

-- continue_at defaults to the clip's duration: extend from its end
local extension = sonic.wait(sonic.extend(cover[1]))
print("extension  " .. extension[1].clip_id)

-- the extension holds only the new part; concat joins it with the cover
local full = sonic.wait(sonic.concat(extension[1]))
print("full song  " .. full[1].clip_id)

-- basic stems: two clips, vocals and instrumental ({full = true}: 12)
local stems = sonic.wait(sonic.stems(full[1]))

-- every download at once: one task each, collected in order
local jobs = { function () return sonic.download(full[1], out .. "/") end }
for _, clip in ipairs(stems) do
  jobs[#jobs + 1] = function () return sonic.download(clip, out .. "/stems/") end
end
for _, path in ipairs(sonic.all(jobs)) do print("saved      " .. path) end
