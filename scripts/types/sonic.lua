---@meta
-- Type annotations of module `sonic` for lua-language-server (LuaLS).
-- Not loaded at run time. Point the language server at this folder, e.g.
-- in .luarc.json:  { "workspace.library": ["<sonicflow>/scripts/types"] }

---@alias sonic.ErrorKind
---| "bad_request"          # HTTP 400/404/413, a client-side check, an unwritable destination
---| "auth"                 # HTTP 401
---| "insufficient_credits" # HTTP 403 about credits
---| "forbidden"            # other HTTP 403
---| "rate_limited"         # HTTP 429 after the retries
---| "server"               # HTTP 5xx, or an answer that is not what the protocol says
---| "network"              # the connection failed (outcome = "unknown": a paid call may have been charged)
---| "timeout"              # a transfer or sonic.wait ran out of time
---| "task_failed"          # a clip of the task failed
---| "budget"               # the call would exceed --budget; nothing was sent
---| "cancelled"            # the task was cancelled

---@class sonic.Error
---@field kind sonic.ErrorKind
---@field message string
---@field status? integer     HTTP status, when the service answered
---@field task_id? string
---@field outcome? "unknown"  a paid call was sent and its answer lost
---@field clips? sonic.Clip[] task_failed: the clips that did succeed
---@field where? string       "script.lua:12:"

---@class sonic.Clip
---@field clip_id string
---@field id string           same as clip_id
---@field task_id string
---@field state "pending"|"running"|"streaming"|"succeeded"|"failed"|string
---@field title? string
---@field tags? string
---@field lyrics? string
---@field mv? string
---@field duration? number    seconds
---@field audio_url? string   only once the clip succeeded
---@field preview_url? string a streaming preview, never the final file
---@field image_url? string
---@field video_url? string
---@field created_at? string
---@field error_message? string
---@field uploaded? boolean   from sonic.upload

---@class sonic.TaskRef
---@field id string           the task id
---@field kind string         the task_type (or stems_basic / stems_full)
---@field params table        the body that was sent
local TaskRef = {}
---@return sonic.Poll
function TaskRef:poll() end
---@param opts? {timeout?: number}
---@return sonic.Clip[]
function TaskRef:wait(opts) end

---@class sonic.Poll
---@field id string
---@field state "not_ready"|"pending"|"running"|"succeeded"|"failed"
---@field clips sonic.Clip[]
---@field done boolean        true only when every clip is terminal

---@class sonic.Wav
---@field clip_id string
---@field wav_url string
---@field title? string

---@class sonic.Handle
local Handle = {}
---Wait for the task: its results, or its error raised here.
---@return any ...
function Handle:wait() end
---Ask the task to stop: its current or next wait raises "cancelled".
function Handle:cancel() end
---@return boolean
function Handle:done() end

---@class sonic.CreateParams
---@field task_type? "create_music"|"extend_music"|"cover_music"|"concat_music"|"persona_music"|"extend_upload_music"|"cover_upload_music"|"remaster"|"add_instrumental"|"add_vocals"
---@field mv? "sonic-v3-5"|"sonic-v4"|"sonic-v4-5"|"sonic-v4-5-plus"|"sonic-v5"|"sonic-v5-5"|"sonic-v6"|"sonic-v6-wild"|"sonic-v6-mini"|string  a newer name is sent too
---@field custom_mode? boolean
---@field prompt? string                  lyrics in custom mode
---@field gpt_description_prompt? string  at most 400 characters
---@field title? string                   at most 80 characters
---@field tags? string
---@field negative_tags? string
---@field make_instrumental? boolean
---@field auto_lyrics? boolean
---@field vocal_gender? "f"|"m"
---@field style_weight? number
---@field weirdness_constraint? number
---@field audio_weight? number
---@field continue_clip_id? string
---@field continue_at? number
---@field persona_id? string

---@class sonic.Config
---@field poll_interval? number|false  seconds; false: the service's advice
---@field wait_timeout? number
---@field request_timeout? number
---@field max_inflight? integer
---@field retry_base? number

---@class sonic
sonic = {}

---POST /sonic/create (mv and custom_mode filled when absent). 15 credits.
---@param params sonic.CreateParams
---@return sonic.TaskRef
function sonic.create(params) end

---The same song in a new style. 15 credits.
---@param clip sonic.Clip|string
---@param tags_or_params string|sonic.CreateParams
---@return sonic.TaskRef
function sonic.cover(clip, tags_or_params) end

---Continue a clip from continue_at (default: its duration). 15 credits.
---@param clip sonic.Clip|string
---@param params? sonic.CreateParams
---@return sonic.TaskRef
function sonic.extend(clip, params) end

---Join an extension with everything before it. 2 credits.
---@param clip sonic.Clip|string
---@return sonic.TaskRef
function sonic.concat(clip) end

---Split into stems: basic (2, 15 credits) or full (12, 75 credits).
---@param clip sonic.Clip|string
---@param opts? {full?: boolean}
---@return sonic.TaskRef
function sonic.stems(clip, opts) end

---@param clip sonic.Clip|string
---@param params? sonic.CreateParams
---@return sonic.TaskRef
function sonic.remaster(clip, params) end
---@param clip sonic.Clip|string
---@param params? sonic.CreateParams
---@return sonic.TaskRef
function sonic.add_instrumental(clip, params) end
---@param clip sonic.Clip|string
---@param params? sonic.CreateParams
---@return sonic.TaskRef
function sonic.add_vocals(clip, params) end

---Upload public audio (at most 8 minutes). 2 credits.
---@param url string
---@return sonic.Clip
function sonic.upload(url) end

--- POST /sonic/upload-extend: upload `url` and extend it from
--- params.continue_at (auto_concat: pair the extension with the song). 15 + 2.
---@param url string
---@param params sonic.CreateParams|{continue_at: number, auto_concat?: boolean}
---@return sonic.TaskRef
function sonic.upload_extend(url, params) end

--- POST /sonic/upload-cover: upload `url` and cover it. 15 + 2.
---@param url string
---@param tags_or_params string|sonic.CreateParams
---@return sonic.TaskRef
function sonic.upload_cover(url, tags_or_params) end

--- POST /sonic/persona: keep the voice and style of `clip`. 1 credit.
---@param clip sonic.Clip|string
---@param params {name: string, describe?: string, styles?: string}
---@return string persona_id
function sonic.persona(clip, params) end

--- create with task_type = "persona_music". 15 credits.
---@param persona_id string
---@param params? sonic.CreateParams
---@return sonic.TaskRef
function sonic.persona_music(persona_id, params) end

--- POST /sonic/mashup: two takes blending both clips. 10 credits.
---@param clip_a sonic.Clip|string
---@param clip_b sonic.Clip|string
---@param params? sonic.CreateParams
---@return sonic.TaskRef
function sonic.mashup(clip_a, clip_b, params) end

--- POST /sonic/sample: a song grown from [start_s, end_s) of a clip or URL.
--- 14 credits.
---@param clip_or_url sonic.Clip|string
---@param params sonic.CreateParams|{start_s: number, end_s: number}
---@return sonic.TaskRef
function sonic.sample(clip_or_url, params) end

--- POST /sonic/replace-section: the clip with [start_s, end_s) regenerated.
--- 10 credits.
---@param clip sonic.Clip|string
---@param params {start_s: number, end_s: number, lyrics?: string, prompt?: string, tags?: string, auto_concat?: boolean}
---@return sonic.TaskRef
function sonic.replace_section(clip, params) end

--- POST /sonic/upsample-tags: a fuller tag string. 1 credit.
---@param tags string
---@return string
function sonic.upsample_tags(tags) end

--- POST /sonic/bpm: the clip's tempo. 1 credit.
---@param clip sonic.Clip|string
---@return {bpm: number, max_bpm: number, min_bpm: number}
function sonic.bpm(clip) end

--- POST /sonic/vox: the vocals of a window of at most 30 s. 1 credit.
---@param clip sonic.Clip|string
---@param params {start_s: number, end_s: number}
---@return {vox_audio_id: string, audio_url?: string, vocal_start_s?: number, vocal_end_s?: number}
function sonic.vox(clip, params) end

--- POST /sonic/batch, 10 creates per request (longer lists are split):
--- one entry per item, a task handle or that item's error. 15 per item.
---@param list sonic.CreateParams[]
---@return (sonic.TaskRef|sonic.Error)[]
function sonic.batch(list) end

--- A tag experiment: covers of `source` for every combination of `axes`
--- (docs/experiments.md). 15 credits per take.
---@param spec {source?: sonic.Clip|string, axes: table<string, string[]>, base?: sonic.CreateParams, name?: string, dir?: string, repeats?: integer}
---@return {source: sonic.Clip, cells: {axes: table<string, string>, key: string, tags: string, clips: sonic.Clip[], files: string[], measures?: table[], err?: sonic.Error}[], manifest: string}
function sonic.experiment(spec) end

--- The picks.json the report page exports.
---@param path string
---@return {experiment: string, picks: table[], best: table[]}
function sonic.load_picks(path) end

---A WAV of the clip. 2 credits.
---@param clip sonic.Clip|string
---@return sonic.Wav
function sonic.wav(clip) end

---@param clip sonic.Clip|string
---@return table
function sonic.midi(clip) end

---@param description string
---@return {title: string, lyrics: string}[]
function sonic.lyrics(description) end

---One poll of the task.
---@param task sonic.TaskRef|string
---@return sonic.Poll
function sonic.poll(task) end

---Poll until every clip is terminal; raises task_failed or timeout.
---@param task sonic.TaskRef|string
---@param opts? {timeout?: number}
---@return sonic.Clip[]
function sonic.wait(task, opts) end

---Stream to disk (to a file, or into a directory); returns the final path.
---@param what sonic.Clip|sonic.Wav|string
---@param dest? string
---@return string path
function sonic.download(what, dest) end

---@return {credits: integer, extra_credits: integer}
function sonic.credits() end

---@class sonic.Analysis
---@field file string
---@field duration number seconds
---@field sample_rate integer
---@field channels integer
---@field lufs number integrated loudness, LUFS (-math.huge for silence)
---@field lra number loudness range, LU
---@field bpm number tempo folded into [70, 180)
---@field bpm_raw number aubio's estimate before folding
---@field onsets integer
---@field onset_rate number onsets per second
---@field centroid_hz number mean spectral centroid
---@field chroma number[] 12 pitch classes, C first, unit length
---@field chroma_similarity? number with ref: time-aligned, 0..1
---@field chroma_cosine? number with ref: cosine of the mean chromas

---Measure a downloaded audio file (MP3 or WAV PCM 16-bit); does not yield.
---Raises bad_request (not audio) or io (missing file).
---@param path string|{path: string}
---@param opts? {ref?: string}
---@return sonic.Analysis
function sonic.analyze(path, opts) end

---Run fn(...) as a new task.
---@param fn fun(...): any
---@return sonic.Handle
function sonic.spawn(fn, ...) end

---First results in input order; the first error cancels the rest and is raised.
---@param handles (sonic.Handle|fun(): any)[]
---@return any[]
function sonic.all(handles) end

---Every outcome in input order; never raises for the tasks' errors.
---@param handles (sonic.Handle|fun(): any)[]
---@return {ok: boolean, value?: any, err?: any}[]
function sonic.settle(handles) end

---@param seconds number
function sonic.sleep(seconds) end

---Change settings; returns the current ones.
---@param t? sonic.Config
---@return sonic.Config
function sonic.config(t) end

---Only in sonic.so (stock lua5.4): run fn(...) as the main task and drive
---the event loop until every task has finished; returns fn's results or
---raises its error.
---@param fn fun(...): any
---@return any ...
function sonic.run(fn, ...) end

---A line on stderr (silenced by -q).
function sonic.log(...) end

---@param e any
---@param kind? sonic.ErrorKind
---@return boolean
function sonic.is_error(e, kind) end

return sonic
