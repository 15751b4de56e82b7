-- test_download.lua -- sonic.download of clips, wav tables and URLs into
-- files and directories; safe names; no partial files. Fast sandbox
-- (--speed 1000 --clip-seconds 3 --credits 1000000). The working directory
-- must be writable (the default destination "." is tested).
package.path = (arg[0]:match("^(.*/)") or "./") .. "?.lua;" .. package.path
local t = require "testlib"

sonic.config{ poll_interval = 0.05, wait_timeout = 60 }

local song
local function clips ()
  if not song then
    song = sonic.wait(sonic.create{ prompt = "[Verse]\nla la la",
                                    title = "Download Me", tags = "piano" })
  end
  return song
end

local function no_part_files (dir)
  for _, name in ipairs(t.find_files(dir)) do
    t.ok(not name:find("%.part$"), "leftover partial file " .. name)
  end
end

-- path must be a file directly inside dir
local function inside (path, dir)
  t.type(path, "string", "download result")
  t.eq(t.realpath(t.dirname(path)), t.realpath(dir), "directory of " .. path)
end

t.case("to a file path: returns that path, an MP3, no .part", function ()
  local dir = t.tmpdir("dl")
  local dest = dir .. "/song.mp3"
  local got = sonic.download(clips()[1], dest)
  t.eq(got, dest, "returned path")
  t.ok(t.is_mp3(dest), "file starts with ID3 or an MP3 frame sync")
  t.ok(t.size(dest) > 1000, "file has audio (" .. tostring(t.size(dest))
       .. " bytes)")
  t.eq(t.ls(dir), { "song.mp3" }, "directory listing")
end)

t.case("to an existing directory: safe name from title and clip id",
       function ()
  local dir = t.tmpdir("dl")
  local c = clips()[1]
  local got = sonic.download(c, dir)
  inside(got, dir)
  t.match(t.basename(got), "%.mp3$", "file name")
  t.contains(t.basename(got), c.clip_id:sub(1, 8), "file name has clip id")
  t.ok(t.is_mp3(got), "MP3 magic")
  no_part_files(dir)
end)

t.case("to a directory given with a trailing slash", function ()
  local dir = t.tmpdir("dl")
  local got = sonic.download(clips()[2], dir .. "/")
  inside(got, dir)
  t.ok(t.is_mp3(got))
  t.eq(#t.ls(dir), 1, "one file")
end)

t.case("to a missing directory given with a trailing slash: created",
       function ()
  local dir = t.tmpdir("dl") .. "/new/sub"
  local got = sonic.download(clips()[1], dir .. "/")
  inside(got, dir)
  t.ok(t.is_mp3(got))
end)

t.case("a clip that has not succeeded is not downloaded", function ()
  local c = clips()[1]
  local running = { clip_id = c.clip_id, state = "running",
                    audio_url = c.audio_url, title = "preview" }
  local dir = t.tmpdir("dl")
  t.raises("bad_request", sonic.download, running, dir)
  t.eq(t.find_files(dir), {}, "no file")
end)

t.case("two clips of one title get two files", function ()
  local dir = t.tmpdir("dl")
  local a = sonic.download(clips()[1], dir)
  local b = sonic.download(clips()[2], dir)
  t.ne(a, b, "paths")
  t.eq(#t.ls(dir), 2, "two files")
  no_part_files(dir)
end)

t.case("default destination is the current directory", function ()
  local got = sonic.download(clips()[1])
  t.type(got, "string", "returned path")
  local ok = t.exists(got)
  local here = t.realpath(".")
  local where = t.realpath(t.dirname(got))
  os.remove(got)
  t.ok(ok, "file exists at " .. got)
  t.eq(where, here, "directory")
end)

t.case("a URL string", function ()
  local dir = t.tmpdir("dl")
  local got = sonic.download(clips()[1].audio_url, dir)
  inside(got, dir)
  t.ok(t.is_mp3(got), "MP3 magic")
  local got2 = sonic.download(clips()[1].audio_url, dir .. "/by-url.mp3")
  t.eq(got2, dir .. "/by-url.mp3")
  t.eq(t.read(got2), t.read(got), "same bytes")
end)

t.case("a wav table: a RIFF/WAVE file named .wav", function ()
  local dir = t.tmpdir("dl")
  local w = sonic.wav(clips()[1])
  local got = sonic.download(w, dir)
  inside(got, dir)
  t.match(t.basename(got), "%.wav$", "file name")
  t.ok(t.is_wav(got), "RIFF....WAVE header")
  local got2 = sonic.download(w, dir .. "/x.wav")
  t.ok(t.is_wav(got2), "RIFF....WAVE header")
  no_part_files(dir)
end)

t.case("two downloads of one clip give identical complete files", function ()
  local dir = t.tmpdir("dl")
  local a = sonic.download(clips()[1], dir .. "/a.mp3")
  local b = sonic.download(clips()[1], dir .. "/b.mp3")
  t.ok(t.size(a) > 0)
  t.eq(t.read(a), t.read(b), "same bytes")
end)

t.case("an existing file at the destination is replaced", function ()
  local dir = t.tmpdir("dl")
  t.write(dir .. "/old.mp3", "not audio")
  sonic.download(clips()[1], dir .. "/old.mp3")
  t.ok(t.is_mp3(dir .. "/old.mp3"), "replaced by the MP3")
end)

-------------------------------------------------------------- hostile titles

local HOSTILE = {
  "../../escape", "../", "..", ".", "/etc/passwd", "a/b/c", "///",
  "..\\..\\win", "line\nbreak", ".hidden", "-rf --no-preserve-root",
  "name.part", "con", "\"quoted\" 'name' $(rm -rf x) `y`", "ünïcödé ♪",
}

t.case("hostile titles never escape the directory", function ()
  local parent = t.tmpdir("hostile")
  local dir = parent .. "/out"
  os.execute("mkdir " .. t.shq(dir))
  for i, title in ipairs(HOSTILE) do
    local got = sonic.wait(sonic.create{ prompt = "la", title = title })
    t.eq(got[1].title, title, "sandbox echoed title " .. i)
    local path = sonic.download(got[1], dir)
    inside(path, dir)
    local base = t.basename(path)
    t.ok(base ~= "" and base ~= "." and base ~= "..",
         "file name " .. t.show(base))
    t.ok(not base:find("[%c/\\]"), "no control characters or separators in "
         .. t.show(base))
    t.ok(not base:find("%.part$"), "final name is not .part")
    t.ok(t.is_mp3(path), "file for title " .. t.show(title) .. " is an MP3")
  end
  t.eq(t.ls(parent), { "out" }, "nothing escaped into the parent")
  t.eq(#t.ls(dir), #HOSTILE, "one file per download")
  no_part_files(parent)
end)

-------------------------------------------------------------- failures

t.case("a destination in a missing directory raises, naming the path",
       function ()
  local dir = t.tmpdir("dl")
  local dest = dir .. "/no/such/dir/x.mp3"
  local e = t.raises(".", sonic.download, clips()[1], dest)
  t.contains(t.errstr(e), "no/such/dir", "error names the path")
  t.error_shape(e)
  t.eq(t.find_files(dir), {}, "no file left")
end)

t.case("a destination under a regular file raises", function ()
  local dir = t.tmpdir("dl")
  t.write(dir .. "/file", "x")
  local e = t.raises(".", sonic.download, clips()[1], dir .. "/file/x.mp3")
  t.error_shape(e)
  t.eq(t.find_files(dir), { "file" }, "no file left")
end)

t.case("a URL that is not found raises a typed error, leaves no file",
       function ()
  local dir = t.tmpdir("dl")
  local url = clips()[1].audio_url:gsub("[^/]*$", "no-such-clip.mp3")
  local e = t.raises(".", sonic.download, url, dir .. "/x.mp3")
  t.error_shape(e)
  t.eq(e.status, 404, "status")
  t.eq(t.find_files(dir), {}, "no file, no .part")
end)

t.case("download of a non-clip value raises", function ()
  t.raises(".", sonic.download, 42, ".")
  t.raises(".", sonic.download, {}, ".")
end)

t.summary()
