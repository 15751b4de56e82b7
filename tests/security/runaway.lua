-- Run with --sandbox-script: an infinite loop that swallows every error
-- with pcall must still be stopped by the instruction budget.
sonic.spawn(function() while true do pcall(function() while true do end end) end end)
while true do
  pcall(error, "try to swallow it")
end
