-- One create against a sandbox that processes every request, charges it,
-- then drops the connection without answering (--faults drop=1).
local ok, e = pcall(sonic.create, {gpt_description_prompt = "exactly once"})
assert(not ok, "the create cannot have succeeded")
print(("kind=%s outcome=%s"):format(e.kind, tostring(e.outcome)))
