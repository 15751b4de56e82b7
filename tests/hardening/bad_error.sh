#!/usr/bin/env bash
# Issue 19 item 3: an error value that cannot be turned into text (its
# __tostring fails, returns a non-string or yields; a broken metatable;
# a coroutine) never aborts the host: one line with a fallback message,
# exit 1, and the run closed as failed.
source "$(dirname "$0")/../e2e/lib.sh" "$@"

# bad_case NAME LUA ERE: the script LUA must end with exit 1, stderr
# matching ERE on its first line, and the journal's run "failed".
bad_case() {
  local f
  f=$(script "$1.lua" <<<"$2")
  rm -rf "$WORK/.sonicflow"
  sf_run run -q --sandbox --sandbox-args "$FAST" "$f"
  expect_rc 1
  expect_no_crash
  expect_no_grep "unprotected|PANIC|Aborted" "$ERR"
  expect_lines 1 "$ERR" "stderr"
  expect_grep "$3" "$ERR"
  sf_run runs --json
  expect_grep '"status":"failed"' "$OUT" "runs --json"
}

t_tostring_errors() {
  bad_case tostring_errors \
    'error(setmetatable({}, {__tostring = function () error("boom") end}))' \
    '^sonicflow: error object is a table \(its __tostring failed: .*boom\)$'
}
t_tostring_bool() {
  bad_case tostring_bool \
    'error(setmetatable({}, {__tostring = function () return true end}))' \
    '^sonicflow: error object is a table \(its __tostring failed: .*must return a string\)$'
}
t_tostring_table() {
  bad_case tostring_table \
    'error(setmetatable({}, {__tostring = function () return {} end}))' \
    'error object is a table \(its __tostring failed'
}
t_tostring_yields() {
  bad_case tostring_yields \
    'error(setmetatable({}, {__tostring = function () coroutine.yield() end}))' \
    'error object is a table \(its __tostring failed: .*yield'
}
t_tostring_nested() {
  # the error of __tostring is itself an untextable table
  bad_case tostring_nested \
    'local bad = setmetatable({}, {__tostring = function () error({}) end})
     error(setmetatable({}, {__tostring = function () error(bad) end}))' \
    'error object is a table \(its __tostring failed: error object is a table\)'
}
t_broken_index() {
  # reading err.kind runs __index: it must not be run unprotected
  bad_case broken_index \
    'error(setmetatable({}, {__index = function () error("no index") end,
                            __tostring = function () error("no text") end}))' \
    'error object is a table \(its __tostring failed: .*no text\)'
}
t_coroutine() {
  bad_case coroutine 'error(coroutine.create(function () end))' \
    '^sonicflow: thread: 0x[0-9a-f]+$'
}
t_spawned() {
  # the same, from a spawned task nobody waits for (reported at exit)
  bad_case spawned \
    'sonic.spawn(function ()
       error(setmetatable({}, {__tostring = function () error("spawned boom") end}))
     end)
     sonic.sleep(0.01)' \
    'nobody waited for: error object is a table \(its __tostring failed: .*spawned boom\)'
}

run_case "__tostring raises" t_tostring_errors
run_case "__tostring returns a boolean" t_tostring_bool
run_case "__tostring returns a table" t_tostring_table
run_case "__tostring yields" t_tostring_yields
run_case "__tostring raises an untextable error" t_tostring_nested
run_case "__index raises too" t_broken_index
run_case "a coroutine as the error" t_coroutine
run_case "a spawned task's untextable error" t_spawned
summary
