-- Webhook mode under attack: the task id goes to a file so the test can
-- forge deliveries for it; then the usual create -> wait -> download.
local idfile, out = arg[1], arg[2]
local t = sonic.create{gpt_description_prompt = "forgery target"}
local f = assert(io.open(idfile, "w")); f:write(t.id); f:close()
local clips = sonic.wait(t, {timeout = 120})
local path = sonic.download(clips[1], out)
local s = require("sonic.core").spending()
print(("RESULT polls=%d accepted=%d duplicates=%d rejected=%d url=%s"):format(
  s.polls, s.webhooks_accepted, s.webhooks_duplicates, s.webhooks_rejected,
  clips[1].audio_url))
