#!/usr/bin/python3
"""experiment_browser.py SONICFLOW SOURCE_DIR WORK_DIR -- the experiment
page (`sonicflow report --experiment`) in headless Chromium driven by
selenium: real sandbox audio in a 2x2 grid, players load, a measure column
sorts, a blind A/B pick reveals the names and survives a reload, stars
survive a reload, Export picks gives the agreed JSON (both the page's
sfPicks() and the real download), a hostile title stays text, and a
missing or malformed manifest exits 2 with one line. Exit 77 (skipped)
only when chromium, chromedriver or selenium is missing."""
import functools, http.server, json, os, shutil, socket, subprocess, sys
import threading, time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    print("python3-selenium is not installed: skipped"); sys.exit(77)
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
for exe in (CHROMIUM, DRIVER):
    if not os.access(exe, os.X_OK):
        print(f"{exe} is not installed: skipped"); sys.exit(77)

SONICFLOW, SRC, WORK = sys.argv[1:4]
FAILED = []
HOSTILE = "<script>alert(1)</script>"

def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILED.append(what)

def report(*args):
    return subprocess.run([SONICFLOW, "report", *args], cwd=WORK,
                          capture_output=True, text=True)

# ---- the audio: a song covered in four tag combos, in the sandbox
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
run = subprocess.run([SONICFLOW, "run", "-q", "--sandbox", "--sandbox-args",
                      "--speed 500 --clip-seconds 3",
                      os.path.join(SRC, "tests/report/experiment_clips.lua"),
                      "exp/demo"], cwd=WORK, capture_output=True, text=True,
                     timeout=120)
check("the sandbox makes the clips", run.returncode == 0)
lines = [l.split("\t") for l in run.stdout.splitlines() if l.count("\t") == 4]
takes = [l for l in lines if l[0] != "source"]
check("eight covers", len(takes) == 8)
if FAILED:
    print(run.stderr); sys.exit(1)

# ---- the manifest, as sonic.experiment writes it
cells = {}
for i, (g, m, clip, dur, f) in enumerate(takes):
    key = f"genre={g},mood={m}"
    c = cells.setdefault(key, {"key": key, "axes": {"genre": g, "mood": m},
                               "tags": f"{g}, {m}", "takes": [],
                               "error": None})
    c["takes"].append({
        "clip_id": clip, "file": f, "duration": float(dur),
        "title": HOSTILE if i == 0 else f"Take {i}",
        # lufs out of order on purpose; the last take has no measures
        "measures": {} if i == 7 else
                    {"lufs": [-9.5, -14.2, -11, -20.25, -8, -13, -16.5][i],
                     "bpm": 100 + i * 7, "chroma_sim": 0.5 + i / 20}})
src = next(l for l in lines if l[0] == "source")
manifest = {"name": "demo", "source": {"clip_id": src[2], "title": "Seed",
                                       "file": src[4]},
            "axes": {"genre": ["lo-fi", "synthwave"],
                     "mood": ["mellow", "driving"]},
            "axis_order": ["genre", "mood"], "cells": list(cells.values())}
MAN = os.path.join(WORK, "exp/demo/experiment.json")
with open(MAN, "w") as fh:
    json.dump(manifest, fh)

# ---- bad manifests: one line, exit 2
r = report("--experiment", "exp/none.json", "-o", "x.html")
check("a missing manifest exits 2 with one line",
      r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1)
with open(os.path.join(WORK, "bad.json"), "w") as fh:
    fh.write('{"name": "x", "cells": [')
r = report("--experiment", "bad.json", "-o", "x.html")
check("a malformed manifest exits 2: " + r.stderr.strip(),
      r.returncode == 2 and "not valid JSON" in r.stderr
      and len(r.stderr.strip().splitlines()) == 1)
with open(os.path.join(WORK, "noname.json"), "w") as fh:
    fh.write('{"axes": {}, "cells": []}')
r = report("--experiment", "noname.json", "-o", "x.html")
check("a manifest without a name exits 2", r.returncode == 2
      and '"name"' in r.stderr)

r = report("--experiment", "exp/demo/experiment.json", "-o", "page.html")
check("the page is written", r.returncode == 0 and
      os.path.getsize(os.path.join(WORK, "page.html")) > 1000)
html = open(os.path.join(WORK, "page.html")).read()
check("the hostile title is escaped in the file",
      HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html)

# ---- other shapes: one axis is a single row; three axes make columns of
# the other two combined (checked in the file: the same code draws them)
import re
def grid_shape(man, name):
    with open(os.path.join(WORK, f"exp/demo/{name}.json"), "w") as fh:
        json.dump(man, fh)
    r = report("--experiment", f"exp/demo/{name}.json", "-o", f"{name}.html")
    page = open(os.path.join(WORK, f"{name}.html")).read() \
        if r.returncode == 0 else ""
    g = page[page.find('<table id="grid">'):]
    g = g[:g.find("</table>")]
    return (g.count("<tr>") - 1, g.count('<th scope="col">'),
            g.count('<td class="cell'), page)
one = dict(manifest, name="one", axes={"genre": ["lo-fi", "synthwave"]},
           axis_order=["genre"],
           cells=[dict(c, axes={"genre": c["axes"]["genre"]},
                       key="genre=" + c["axes"]["genre"])
                  for c in manifest["cells"][::3]])
rows, cols, n, _ = grid_shape(one, "one")
check(f"one axis: a single row of 2 ({rows} x {cols}, {n})",
      (rows, cols, n) == (1, 2, 2))
three = dict(manifest, name="three",
             axes={"genre": ["lo-fi", "synthwave"],
                   "mood": ["mellow", "driving"], "tempo": ["slow", "fast"]},
             axis_order=["genre", "mood", "tempo"],
             cells=[{"key": f"{g},{m},{t}", "tags": "x", "takes": [],
                     "axes": {"genre": g, "mood": m, "tempo": t},
                     "error": "boom <b>" if t == "fast" else None}
                    for g in ("lo-fi", "synthwave")
                    for m in ("mellow", "driving") for t in ("slow", "fast")])
rows, cols, n, page = grid_shape(three, "three")
check(f"three axes: 2 rows x 4 columns ({rows} x {cols}, {n})",
      (rows, cols, n) == (2, 4, 8))
check("a cell's error shows, escaped", "failed: boom &lt;b&gt;" in page)

# ---- serve the folder, so audio loads as it would from any web server
sock = socket.socket(); sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]; sock.close()
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
handler = functools.partial(Quiet, directory=WORK)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
URL = f"http://127.0.0.1:{port}/page.html"

DL = os.path.join(WORK, "downloads")
os.makedirs(DL)
opts = webdriver.ChromeOptions()
opts.binary_location = CHROMIUM
for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
          "--disable-dev-shm-usage", "--mute-audio", "--no-first-run",
          "--autoplay-policy=no-user-gesture-required",
          f"--user-data-dir={os.path.join(WORK, 'profile')}"):
    opts.add_argument(a)
opts.add_experimental_option("prefs", {
    "download.default_directory": DL, "download.prompt_for_download": False})
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
d = webdriver.Chrome(service=Service(DRIVER), options=opts)
d.set_page_load_timeout(30)

def load():
    d.get(URL)
    for _ in range(100):
        if d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"):
            return
        time.sleep(0.1)

def js(s, *a):
    return d.execute_script(s, *a)

try:
    d.execute_cdp_cmd("Page.setDownloadBehavior",
                      {"behavior": "allow", "downloadPath": DL})
    load()
    check("the page's script ran", js("return !!window.sfPicks"))
    check("no alert, the hostile title is text",
          js("return [...document.querySelectorAll('.tt')].some("
             "e => e.textContent.startsWith(arguments[0]))", HOSTILE)
          and js("return document.querySelectorAll('script').length") == 1)
    check("grid: 2 rows", js("return document.querySelectorAll("
                             "'#grid tbody tr').length") == 2)
    check("grid: 2 columns", js("return document.querySelectorAll("
                                "'#grid thead th').length") == 3)
    check("grid: 4 cells, none empty",
          js("return document.querySelectorAll('#grid td.cell').length") == 4
          and js("return document.querySelectorAll('#grid td.empty').length")
          == 0)
    check("grid: rows are genres, columns moods",
          js("return [...document.querySelectorAll('#grid tbody th')]"
             ".map(e => e.textContent).join('|')") == "lo-fi|synthwave" and
          js("return [...document.querySelectorAll('#grid thead th')]"
             ".slice(1).map(e => e.textContent).join('|')")
          == "mellow|driving")
    check("grid: cell lo-fi/driving holds its own takes",
          js("return document.querySelector('#grid tbody tr:first-child "
             "td:nth-child(3)').dataset.cell") == "genre=lo-fi,mood=driving")
    check("each cell has 2 players and waveforms",
          js("return [...document.querySelectorAll('#grid td.cell')].every("
             "c => c.querySelectorAll('audio').length == 2 && "
             "c.querySelectorAll('svg.wave').length == 2)"))
    for _ in range(100):
        states = js("return [...document.querySelectorAll('#grid audio')]"
                    ".map(a => [a.readyState, a.duration || 0, !!a.error])")
        if all(s[0] >= 1 and s[1] > 0 for s in states):
            break
        time.sleep(0.2)
    check(f"all {len(states)} players load their audio (readyState>=1, "
          "duration>0)", len(states) == 8 and
          all(s[0] >= 1 and s[1] > 0 and not s[2] for s in states))

    # sorting by a measure column
    def col(name):
        return js("var i=[...document.querySelectorAll('#takes thead th')]"
                  ".findIndex(h => h.textContent.replace(/[^a-z_]/g,'')"
                  "==arguments[0]); return [...document.querySelectorAll("
                  "'#takes tbody tr')].map(r => r.cells[i].dataset.v)", name)
    d.find_element(By.CSS_SELECTOR, "#takes th[data-measure=lufs]").click()
    v = col("lufs")
    nums = [float(x) for x in v if x != ""]
    check("sorting by lufs: ascending, numerically, blank last",
          nums == sorted(nums) and v[-1] == "" and len(nums) == 7)
    d.find_element(By.CSS_SELECTOR, "#takes th[data-measure=lufs]").click()
    v = col("lufs")
    nums = [float(x) for x in v if x != ""]
    check("again: descending", nums == sorted(nums, reverse=True))

    # stars and a note on the first two takes of the manifest
    t0, t1 = takes[0][2], takes[1][2]
    def row(clip):
        return d.find_element(By.CSS_SELECTOR, f'#takes tr[data-clip="{clip}"]')
    row(t0).find_element(By.CSS_SELECTOR, ".star[data-n='4']").click()
    row(t1).find_element(By.CSS_SELECTOR, ".star[data-n='2']").click()
    row(t1).find_element(By.CSS_SELECTOR, ".note").send_keys("too loud")

    # blind A/B between t0 and t1
    js("document.getElementById('ab-x').value=arguments[0];"
       "document.getElementById('ab-y').value=arguments[1];", t0, t1)
    d.find_element(By.ID, "ab-start").click()
    check("A/B: the players are labelled A and B, no names",
          d.find_element(By.ID, "ab-play").is_displayed() and
          "Take 1" not in d.find_element(By.ID, "ab-play").text and
          d.find_element(By.ID, "ab-reveal").text == "")
    a_src = js("return document.getElementById('ab-audio-a').src")
    a_clip = t0 if takes[0][4] in a_src else t1
    d.find_element(By.ID, "ab-pick-a").click()
    reveal = d.find_element(By.ID, "ab-reveal").text
    check("A/B: the pick reveals both names: " + reveal,
          "Take 1" in reveal and HOSTILE in reveal and t0 in reveal)

    load()
    check("after a reload: stars kept",
          js("return document.querySelectorAll('#takes tr[data-clip=\"' + "
             "arguments[0] + '\"] .star.on').length", t0) == 4 and
          js("return document.querySelectorAll('#takes tr[data-clip=\"' + "
             "arguments[0] + '\"] .star.on').length", t1) == 2)
    check("after a reload: the note kept",
          row(t1).find_element(By.CSS_SELECTOR, ".note")
          .get_attribute("value") == "too loud")
    res = d.find_element(By.ID, "ab-results").text
    check("after a reload: the A/B result and its names kept",
          "Take 1" in res and "picked A" in res and a_clip in res)

    picks = json.loads(js("return window.sfPicks()"))
    want = {t0: (4, ""), t1: (2, "too loud")}
    check("sfPicks(): the agreed format",
          set(picks) == {"experiment", "picks"} and
          picks["experiment"] == "demo" and
          all(set(p) == {"clip_id", "file", "cell", "stars", "note", "winner"}
              for p in picks["picks"]))
    check("sfPicks(): the two rated takes, the A/B winner marked",
          sorted(p["clip_id"] for p in picks["picks"]) == sorted(want) and
          all((p["stars"], p["note"]) == want[p["clip_id"]] and
              p["winner"] == (p["clip_id"] == a_clip) and
              p["cell"] == "genre=lo-fi,mood=mellow" and
              p["file"] in (takes[0][4], takes[1][4])
              for p in picks["picks"]))
    check("the hidden #picks-json matches", json.loads(js(
        "return document.getElementById('picks-json').textContent")) == picks)

    d.find_element(By.ID, "export").click()
    path = os.path.join(DL, "picks.json")
    for _ in range(100):
        if os.path.exists(path) and os.path.getsize(path) > 0:
            break
        time.sleep(0.1)
    got = json.load(open(path)) if os.path.exists(path) else None
    check("Export picks downloads picks.json, the same picks", got == picks)

    # the next script continues from the winners: sonic.load_picks reads
    # the downloaded file, winners first
    if got is not None:
        lua = os.path.join(WORK, "load_picks.lua")
        with open(lua, "w") as f:
            f.write('local p = sonic.load_picks(arg[1])\n'
                    'print("experiment " .. p.experiment)\n'
                    'print("picks " .. #p.picks)\n'
                    'print("best " .. p.best[1].clip_id .. " " .. '
                    'tostring(p.best[1].winner))\n')
        lp = subprocess.run([SONICFLOW, "run", "-q", "--sandbox", lua, path],
                            cwd=WORK, capture_output=True, text=True,
                            timeout=60)
        want_best = sorted(got["picks"], key=lambda q: (not q.get("winner"),
                           -q.get("stars", 0)))[0]
        check("sonic.load_picks reads the export: " + lp.stdout.strip() +
              lp.stderr.strip()[:200],
              lp.returncode == 0 and
              ("experiment " + got["experiment"]) in lp.stdout and
              ("picks %d" % len(got["picks"])) in lp.stdout and
              ("best " + want_best["clip_id"]) in lp.stdout)

    errs = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    check("no console error: " + json.dumps(errs)[:300], not errs)
finally:
    d.quit()
    httpd.shutdown()

print(f"{len(FAILED)} failed")
sys.exit(1 if FAILED else 0)
