-- md2man.lua OUT VERSION SOURCE.md
--
-- Writes the man page sonicflow(1) from docs/cli.md, the one source of
-- the command-line reference (tests/docs/check_cli.sh keeps `--help` and
-- cli.md in step; tests/install/check_man.sh keeps the page complete).
-- It understands the small Markdown subset cli.md is written in:
--
--   # title                       skipped (the page gets .TH and NAME)
--   <!-- man name: TEXT -->       the NAME line's summary
--   <!-- man include: F#Head -->  the "## Head" section of file F here
--   ## `sonicflow cmd ...`        a command: .SS under COMMANDS, and a
--                                 SYNOPSIS line ("`a`, `b`" gives two)
--   ## Other heading              .SH OTHER HEADING ("Exit codes" is
--                                 EXIT STATUS, as man-pages(7) names it)
--   | a | b | ... |               a table: one .TP per row, the first
--                                 cell as the tag; a "default" column
--                                 is appended to the text
--   - item                        .IP bullets
--   ``` ... ```                   a literal block
--   `code`, **bold**, [text](u)   bold, bold, text
--
-- Anything else is a paragraph. Output is plain man(7) for groff, with
-- non-ASCII characters as \[uXXXX] so no encoding is assumed.

local out_path, version, src_path = arg[1], arg[2], arg[3]
if not (out_path and version and src_path) then
  io.stderr:write("usage: md2man.lua OUT VERSION SOURCE.md\n")
  os.exit(2)
end
local src_dir = src_path:match("^(.*)/") or "."

local function read_lines (path)
  local f, err = io.open(path)
  if not f then error(err, 0) end
  local lines = {}
  for l in f:lines() do lines[#lines + 1] = l end
  f:close()
  return lines
end

-- ================================================================ inline

-- groff's own names for the typography cli.md uses: these render on every
-- device, -Tascii included
local GLYPHS = {[0x2014] = "\\(em", [0x2013] = "\\(en", [0xD7] = "\\(mu",
                [0x2192] = "\\(->", [0x2264] = "\\(<=", [0x2265] = "\\(>="}

-- Escape text for groff: backslashes, and every character beyond ASCII
-- (as \[uXXXX] when groff has no name for it).
local function esc (s)
  s = s:gsub("\\", "\\e")
  return (s:gsub(utf8.charpattern, function (c)
    local cp = utf8.codepoint(c)
    if cp < 128 then return c end
    return GLYPHS[cp] or string.format("\\[u%04X]", cp)
  end))
end

-- Text inside `code`: literal, with real minus signs for options.
local function code (s)
  return "\\fB" .. esc(s:gsub("\\|", "|")):gsub("%-", "\\-") .. "\\fR"
end

-- Inline Markdown of one line or paragraph to groff.
local function inline (s)
  local parts, pos = {}, 1
  while pos <= #s do
    local a, b, inner = s:find("`([^`]+)`", pos)
    local chunk = s:sub(pos, (a or #s + 1) - 1)
    chunk = chunk:gsub("%[([^%]]+)%]%([^)]+%)", "%1")   -- links: the text
                 :gsub("\\|", "|")
    chunk = esc(chunk)
    chunk = chunk:gsub("%*%*(.-)%*%*", "\\fB%1\\fR")
    -- a dash that starts a word is an option's minus sign
    chunk = chunk:gsub("^%-", "\\-"):gsub("([%s(/])%-", "%1\\-")
    parts[#parts + 1] = chunk
    if not a then break end
    parts[#parts + 1] = code(inner)
    pos = b + 1
  end
  local text = table.concat(parts)
  if text:match("^[.']") then text = "\\&" .. text end  -- not a request
  return text
end

-- ================================================================ blocks

-- Split a table row into its cells; "\|" is a pipe inside a cell.
local function cells (row)
  local out = {}
  row = row:gsub("\\|", "\1"):gsub("^%s*|", ""):gsub("|%s*$", "")
  for cell in (row .. "|"):gmatch("(.-)|") do
    out[#out + 1] = (cell:gsub("\1", "\\|"):match("^%s*(.-)%s*$"))
  end
  return out
end

-- Parse Markdown lines into a list of blocks {kind, ...}.
local function parse (lines, blocks, meta)
  local i = 1
  local function para_end (l)
    return l:match("^%s*$") or l:match("^#") or l:match("^|") or
           l:match("^```") or l:match("^%- ") or l:match("^<!%-%-")
  end
  while i <= #lines do
    local l = lines[i]
    local name = l:match("^<!%-%- man name: (.-) %-%->")
    local inc = l:match("^<!%-%- man include: (.-) %-%->")
    if name then
      meta.name = name
      i = i + 1
    elseif inc then
      local file, head = inc:match("^(.-)#(.+)$")
      local sub, on = {}, false
      for _, s in ipairs(read_lines(src_dir .. "/" .. file)) do
        if s:match("^## ") then on = (s == "## " .. head)
        elseif on then sub[#sub + 1] = s end
      end
      if #sub == 0 then error(inc .. ": no such section", 0) end
      parse(sub, blocks, meta)
      i = i + 1
    elseif l:match("^<!%-%-") or l:match("^%s*$") or l:match("^# ") then
      i = i + 1
    elseif l:match("^##+ ") then
      local level, text = l:match("^(#+) (.*)$")
      blocks[#blocks + 1] = {kind = "head", level = #level, text = text}
      i = i + 1
    elseif l:match("^```") then
      local body = {}
      i = i + 1
      while i <= #lines and not lines[i]:match("^```") do
        body[#body + 1] = lines[i]
        i = i + 1
      end
      blocks[#blocks + 1] = {kind = "code", lines = body}
      i = i + 1
    elseif l:match("^|") then
      local rows = {}
      while i <= #lines and lines[i]:match("^|") do
        if not lines[i]:match("^|[%s:|-]+|%s*$") then   -- not |---|---|
          rows[#rows + 1] = cells(lines[i])
        end
        i = i + 1
      end
      blocks[#blocks + 1] = {kind = "table", head = table.remove(rows, 1),
                             rows = rows}
    else
      local item = l:match("^%- (.*)$")
      local text = {item or l}
      i = i + 1
      while i <= #lines and not para_end(lines[i]) do
        text[#text + 1] = lines[i]:match("^%s*(.-)$")
        i = i + 1
      end
      blocks[#blocks + 1] = {kind = item and "item" or "para",
                             text = table.concat(text, " ")}
    end
  end
  return blocks
end

-- ================================================================ render

local SECTION_NAMES = {["Exit codes"] = "EXIT STATUS"}

-- One .TP per row: the first cell is the tag; the text is the meaning
-- first, then "(default: X)" from a "default" column.
local function render_table (out, t)
  for _, row in ipairs(t.rows) do
    local body = {}
    for c = 2, #row do
      local h = (t.head[c] or ""):lower()
      if h == "default" then
        if row[c] ~= "" then
          body[#body + 1] = "(default: " .. row[c] .. ")"
        end
      else
        table.insert(body, 1, row[c])
      end
    end
    out[#out + 1] = ".TP"
    out[#out + 1] = "\\fB" .. inline(row[1]):gsub("\\fR", "\\fB") .. "\\fR"
    out[#out + 1] = inline(table.concat(body, " "))
  end
end

local function render (blocks, meta)
  local out = {
    '.\\" Generated from docs/cli.md by cmake/md2man.lua: edit those.',
    string.format('.TH SONICFLOW 1 "" "sonicflow %s" "User Commands"',
                  version),
    ".SH NAME",
    "sonicflow \\- " .. esc(meta.name or "sonicflow"),
    ".SH SYNOPSIS",
  }
  for _, b in ipairs(blocks) do            -- every command heading
    if b.kind == "head" and b.level == 2 and b.text:match("^`") then
      for cmd in b.text:gmatch("`([^`]+)`") do
        out[#out + 1] = ".br"
        out[#out + 1] = code(cmd)
      end
    end
  end
  out[#out + 1] = ".SH DESCRIPTION"
  local in_commands = false
  for _, b in ipairs(blocks) do
    if b.kind == "head" then
      if b.level == 2 and b.text:match("^`") then
        if not in_commands then
          out[#out + 1] = ".SH COMMANDS"
          in_commands = true
        end
        out[#out + 1] = ".SS " .. inline(b.text)
      elseif b.level == 2 then
        in_commands = false
        out[#out + 1] = ".SH " ..
          esc(SECTION_NAMES[b.text] or b.text:upper())
      else
        out[#out + 1] = ".SS " .. inline(b.text)
      end
    elseif b.kind == "para" then
      out[#out + 1] = ".PP"
      out[#out + 1] = inline(b.text)
    elseif b.kind == "item" then
      out[#out + 1] = ".IP \\(bu 2"
      out[#out + 1] = inline(b.text)
    elseif b.kind == "code" then
      out[#out + 1] = ".PP"
      out[#out + 1] = ".nf"
      for _, l in ipairs(b.lines) do
        l = esc(l):gsub("%-", "\\-")
        out[#out + 1] = (l:match("^[.']") and "\\&" or "") .. l
      end
      out[#out + 1] = ".fi"
    elseif b.kind == "table" then
      render_table(out, b)
    end
  end
  return table.concat(out, "\n") .. "\n"
end

local meta = {}
local page = render(parse(read_lines(src_path), {}, meta), meta)
local f = assert(io.open(out_path .. ".tmp", "w"))
f:write(page)
f:close()
assert(os.rename(out_path .. ".tmp", out_path))
