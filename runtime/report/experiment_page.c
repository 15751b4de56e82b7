/*
** experiment_page.c -- the page of an experiment (experiment_model.h).
**
** One self-contained file like the run report: inline CSS, SVG
** waveforms, one inline script whose SHA-256 the Content-Security-Policy
** names, players whose src is relative to the page. Every manifest
** string goes through sf_html_esc(); the script reads what it needs
** from data-* attributes (already escaped) and writes only with
** textContent, so no manifest text is ever parsed as markup or JSON.
** Ratings live in the browser's localStorage (see docs/experiments.md).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiment_model.h"
#include "report_util.h"
#include "version.h"

#define WAVE_H 48

static const char css[] =
  "*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,"
  "sans-serif;color:#1d2330;background:#f3f5f8}"
  "header,main,footer{max-width:1500px;margin:0 auto;padding:12px 24px}"
  "h1{font-size:22px}h2{font-size:18px;margin:24px 0 6px}"
  "code{font:12px ui-monospace,monospace}"
  "table{border-collapse:collapse;background:#fff}"
  "th,td{border:1px solid #dde2ea;padding:6px 8px;vertical-align:top;"
  "text-align:left}"
  "#grid td{min-width:260px}#grid thead th,#grid tbody th{background:#eef1f6}"
  ".take{border-top:1px solid #dde2ea;padding:6px 0}"
  ".take:first-child{border-top:0}.tt{font-weight:600;overflow-wrap:anywhere}"
  "svg.wave{display:block;width:100%;height:48px;background:#f7f8fb}"
  "svg.wave path{fill:#6f8de0}audio{width:100%;height:34px}"
  ".ms{display:grid;grid-template-columns:max-content 1fr;gap:0 8px;"
  "margin:4px 0;font-size:12px}.ms dd{margin:0}"
  ".small{color:#5d6677;font-size:12px}.err{color:#7a1717}"
  ".empty{color:#5d6677;font-style:italic}"
  "#takes th[data-type]{cursor:pointer;user-select:none}"
  "#takes th[aria-sort=ascending]::after{content:' \\25B2'}"
  "#takes th[aria-sort=descending]::after{content:' \\25BC'}"
  ".star{border:0;background:none;font-size:18px;cursor:pointer;"
  "color:#c5cbd6;padding:0 1px}.star.on{color:#e0a100}"
  "#ab{background:#fff;border:1px solid #dde2ea;padding:10px 14px}"
  "#ab-play{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin:8px 0}"
  "footer{color:#5d6677;font-size:12px}";

/* Sorting, stars and notes, the blind A/B and the export of picks. */
static const char script[] =
  "(function(){var B=document.body,X=B.getAttribute('data-experiment'),"
  "P='sonicflow:'+X+':',$=function(i){return document.getElementById(i);};"
  "function get(k,d){try{var v=localStorage.getItem(P+k);"
  "return v?JSON.parse(v):d;}catch(e){return d;}}"
  "function put(k,v){try{localStorage.setItem(P+k,JSON.stringify(v));}"
  "catch(e){}}"
  "var rows=[].slice.call(document.querySelectorAll('#takes tbody tr'));"
  "function row(c){return rows.filter(function(r){"
  "return r.dataset.clip===c;})[0];}"
  "function rec(c){var r=get('take:'+c,null);"
  "return r&&typeof r==='object'?r:{stars:0,note:'',winner:false};}"
  "function show(tr){var r=rec(tr.dataset.clip),n=tr.querySelector('.note');"
  "tr.querySelectorAll('.star').forEach(function(s){"
  "var on=+s.dataset.n<=r.stars;s.classList.toggle('on',on);"
  "s.setAttribute('aria-pressed',on);});"
  "if(n.value!==r.note)n.value=r.note||'';"
  "tr.querySelector('.winner').checked=!!r.winner;"
  "tr.querySelector('.stars-cell').dataset.v=r.stars||0;}"
  "function save(tr,f){var r=rec(tr.dataset.clip);f(r);"
  "put('take:'+tr.dataset.clip,r);show(tr);pub();}"
  "rows.forEach(function(tr){"
  "tr.querySelectorAll('.star').forEach(function(s){"
  "s.addEventListener('click',function(){save(tr,function(r){"
  "var n=+s.dataset.n;r.stars=r.stars===n?0:n;});});});"
  "tr.querySelector('.note').addEventListener('input',function(e){"
  "save(tr,function(r){r.note=e.target.value;});});"
  "tr.querySelector('.winner').addEventListener('change',function(e){"
  "save(tr,function(r){r.winner=e.target.checked;});});show(tr);});"
  /* sorting: numbers as numbers, blanks last */
  "document.querySelectorAll('#takes th[data-type]').forEach(function(th){"
  "th.addEventListener('click',function(){var num=th.dataset.type==='num',"
  "dir=th.getAttribute('aria-sort')==='ascending'?-1:1,col=th.cellIndex,"
  "tb=document.querySelector('#takes tbody');"
  "document.querySelectorAll('#takes th').forEach(function(h){"
  "h.removeAttribute('aria-sort');});"
  "th.setAttribute('aria-sort',dir>0?'ascending':'descending');"
  "rows.slice().sort(function(a,b){var x=a.cells[col].dataset.v||'',"
  "y=b.cells[col].dataset.v||'';if(num){var p=x===''?NaN:+x,"
  "q=y===''?NaN:+y;if(isNaN(p))return isNaN(q)?0:1;if(isNaN(q))return -1;"
  "return (p-q)*dir;}return x.localeCompare(y)*dir;})"
  ".forEach(function(r){tb.appendChild(r);});});});"
  /* blind A/B: the two takes in random order, names shown after a pick */
  "var ab=get('ab',[]),cur=null;if(!Array.isArray(ab))ab=[];"
  "function name(c){var r=row(c);return r?r.dataset.title+' ('+c+')':c;}"
  "function results(){var ol=$('ab-results');ol.textContent='';"
  "ab.forEach(function(p){var li=document.createElement('li');"
  "li.className='ab-result';li.textContent='A: '+name(p.a)+' \\u2014 B: '"
  "+name(p.b)+' \\u2014 picked '+(p.winner===p.a?'A':'B')+': '"
  "+name(p.winner);ol.appendChild(li);});}"
  "function any(not){var c=rows.filter(function(r){"
  "return r.dataset.clip!==not&&r.dataset.href;});"
  "return c.length?c[Math.floor(Math.random()*c.length)].dataset.clip:'';}"
  "$('ab-start').addEventListener('click',function(){"
  "var x=$('ab-x').value||any($('ab-y').value),y=$('ab-y').value||any(x);"
  "if(!x||!y||x===y){$('ab-msg').textContent="
  "'Pick two different takes that have audio.';return;}"
  "if(Math.random()<0.5){var t=x;x=y;y=t;}cur={a:x,b:y};"
  "$('ab-msg').textContent='';$('ab-reveal').textContent='';"
  "$('ab-audio-a').src=row(x).dataset.href;"
  "$('ab-audio-b').src=row(y).dataset.href;$('ab-play').hidden=false;});"
  "function pick(w){if(!cur)return;var win=w==='a'?cur.a:cur.b;"
  "ab.push({a:cur.a,b:cur.b,winner:win});put('ab',ab);"
  "save(row(win),function(r){r.winner=true;});"
  "$('ab-reveal').textContent='A was '+name(cur.a)+'; B was '+name(cur.b)"
  "+'. You picked '+w.toUpperCase()+'.';cur=null;$('ab-play').hidden=true;"
  "$('ab-audio-a').removeAttribute('src');"
  "$('ab-audio-b').removeAttribute('src');results();}"
  "$('ab-pick-a').addEventListener('click',function(){pick('a');});"
  "$('ab-pick-b').addEventListener('click',function(){pick('b');});"
  /* picks: every take rated, noted or chosen, in manifest order */
  "function picks(){var o={experiment:X,picks:[]};rows.forEach(function(tr){"
  "var r=rec(tr.dataset.clip);if(r.stars||r.note||r.winner)o.picks.push({"
  "clip_id:tr.dataset.clip,file:tr.dataset.file,cell:tr.dataset.cell,"
  "stars:r.stars||0,note:r.note||'',winner:!!r.winner});});"
  "return JSON.stringify(o,null,2);}"
  "function pub(){$('picks-json').textContent=picks();}window.sfPicks=picks;"
  "$('export').addEventListener('click',function(){var a="
  "document.createElement('a');a.href=URL.createObjectURL(new Blob("
  "[picks()],{type:'application/json'}));a.download='picks.json';"
  "B.appendChild(a);a.click();setTimeout(function(){"
  "URL.revokeObjectURL(a.href);a.remove();},1000);});"
  "results();pub();B.setAttribute('data-ready','yes');})();";

#define esc sf_html_esc

/* ----------------------------------------------------------- a take */

static void put_wave (FILE *f, const SfWaveform *w) {
  double mid = WAVE_H / 2.0;
  int i;
  if (w == NULL || w->cols == 0) {
    fputs("<div class=\"small\">no waveform</div>", f);
    return;
  }
  fprintf(f, "<svg class=\"wave\" viewBox=\"0 0 %d %d\" preserveAspectRatio="
          "\"none\" xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M0 %.1f",
          w->cols, WAVE_H, mid);
  for (i = 0; i < w->cols; i++)
    fprintf(f, "L%d %.1f", i, mid - w->peak[i] * (mid - 1));
  for (i = w->cols - 1; i >= 0; i--)
    fprintf(f, "L%d %.1f", i, mid + w->peak[i] * (mid - 1));
  fputs("Z\"/></svg>", f);
}

static void put_measure_value (FILE *f, const ExMeasure *m) {
  if (m->text)
    esc(f, m->text);
  else
    fprintf(f, "%g", m->num);
}

static void put_take (FILE *f, const ExTake *tk) {
  fputs("<div class=\"take\" data-clip=\"", f);
  esc(f, tk->clip_id);
  fputs("\"><div class=\"tt\">", f);
  esc(f, tk->title && *tk->title ? tk->title : "(untitled)");
  if (tk->duration >= 0)
    fprintf(f, " <span class=\"small\">%.1f s</span>", tk->duration);
  fputs("</div>", f);
  put_wave(f, tk->wave);
  if (tk->href) {
    fputs("<audio controls preload=\"metadata\" src=\"", f);
    esc(f, tk->href);
    fputs("\"></audio>", f);
  } else {
    fputs("<div class=\"small err\">no audio: file missing: ", f);
    esc(f, tk->file ? tk->file : "(none given)");
    fputs("</div>", f);
  }
  if (tk->nmeasures > 0) {
    fputs("<dl class=\"ms\">", f);
    for (int i = 0; i < tk->nmeasures; i++) {
      fputs("<dt>", f);
      esc(f, tk->measures[i].name);
      fputs("</dt><dd>", f);
      put_measure_value(f, &tk->measures[i]);
      fputs("</dd>", f);
    }
    fputs("</dl>", f);
  }
  fputs("<div class=\"small\">clip <code>", f);
  esc(f, tk->clip_id);
  fputs("</code></div></div>", f);
}

/* ------------------------------------------------------------ the grid */

static int same (const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

/* The first cell with these values on every axis; marks it placed. */
static ExCell *cell_at (Experiment *ex, char **vals) {
  for (int i = 0; i < ex->ncells; i++) {
    ExCell *c = &ex->cells[i];
    int k = 0;
    while (k < ex->naxes && same(c->values[k], vals[k]))
      k++;
    if (k == ex->naxes && !c->placed) {
      c->placed = 1;
      return c;
    }
  }
  return NULL;
}

static void put_cell (FILE *f, const ExCell *c) {
  if (c == NULL) {
    fputs("<td class=\"cell empty\">no cell</td>", f);
    return;
  }
  fputs("<td class=\"cell\" data-cell=\"", f);
  esc(f, c->key);
  fputs("\"><div class=\"small\">tags: ", f);
  esc(f, c->tags ? c->tags : "-");
  fputs("</div>", f);
  if (c->error) {
    fputs("<div class=\"err\">failed: ", f);
    esc(f, c->error);
    fputs("</div>", f);
  }
  for (int i = 0; i < c->ntakes; i++)
    put_take(f, &c->takes[i]);
  if (c->ntakes == 0 && c->error == NULL)
    fputs("<div class=\"empty\">no takes</div>", f);
  fputs("</td>", f);
}

/* Columns: every combination of the values of axes 1.., the last axis
** varying fastest. Column 'col's value on axis k goes into vals[k]. */
static int ncols (const Experiment *ex) {
  int n = 1;
  for (int k = 1; k < ex->naxes; k++)
    n *= ex->axes[k].nvalues;
  return n;
}

static void col_values (const Experiment *ex, int col, char **vals) {
  for (int k = ex->naxes - 1; k >= 1; k--) {
    int n = ex->axes[k].nvalues;
    vals[k] = ex->axes[k].values[col % n];
    col /= n;
  }
}

static void put_col_head (FILE *f, const Experiment *ex, char **vals) {
  fputs("<th scope=\"col\">", f);
  for (int k = 1; k < ex->naxes; k++) {
    if (k > 1)
      fputs(" &middot; ", f);
    esc(f, vals[k]);
  }
  fputs("</th>", f);
}

/* One axis: a single row, its values as the columns. */
static void put_single_row (FILE *f, Experiment *ex) {
  char *vals[1];
  fputs("<thead><tr><th></th>", f);
  for (int v = 0; v < ex->axes[0].nvalues; v++) {
    fputs("<th scope=\"col\">", f);
    esc(f, ex->axes[0].values[v]);
    fputs("</th>", f);
  }
  fputs("</tr></thead><tbody><tr><th scope=\"row\">", f);
  esc(f, ex->axes[0].name);
  fputs("</th>", f);
  for (int v = 0; v < ex->axes[0].nvalues; v++) {
    vals[0] = ex->axes[0].values[v];
    put_cell(f, cell_at(ex, vals));
  }
  fputs("</tr></tbody>", f);
}

static void put_matrix (FILE *f, Experiment *ex, char **vals) {
  int cols = ncols(ex);
  fputs("<thead><tr><th>", f);
  esc(f, ex->axes[0].name);
  fputs(" \\ ", f);
  for (int k = 1; k < ex->naxes; k++) {
    if (k > 1)
      fputs(" &middot; ", f);
    esc(f, ex->axes[k].name);
  }
  fputs("</th>", f);
  for (int c = 0; c < cols; c++) {
    col_values(ex, c, vals);
    put_col_head(f, ex, vals);
  }
  fputs("</tr></thead><tbody>", f);
  for (int r = 0; r < ex->axes[0].nvalues; r++) {
    vals[0] = ex->axes[0].values[r];
    fputs("<tr><th scope=\"row\">", f);
    esc(f, vals[0]);
    fputs("</th>", f);
    for (int c = 0; c < cols; c++) {
      col_values(ex, c, vals);
      put_cell(f, cell_at(ex, vals));
    }
    fputs("</tr>", f);
  }
  fputs("</tbody>", f);
}

static void put_grid (FILE *f, Experiment *ex) {
  char **vals = calloc((size_t)(ex->naxes + 1), sizeof(char *));
  int other = 0;
  fputs("<section><h2>Grid</h2><div style=\"overflow-x:auto\">"
        "<table id=\"grid\">", f);
  if (vals != NULL && ex->naxes == 1)
    put_single_row(f, ex);
  else if (vals != NULL && ex->naxes > 1)
    put_matrix(f, ex, vals);
  fputs("</table></div>", f);
  free(vals);
  /* cells whose axes match no position (or no axes at all): still shown */
  for (int i = 0; i < ex->ncells; i++) {
    if (ex->cells[i].placed)
      continue;
    if (other++ == 0)
      fputs("<h3>Cells outside the grid</h3><table id=\"other\"><tr>", f);
    put_cell(f, &ex->cells[i]);
  }
  if (other)
    fputs("</tr></table>", f);
  fputs("</section>\n", f);
}

/* ---------------------------------------------------- the takes table */

static const ExMeasure *measure_of (const ExTake *tk, const char *name) {
  for (int i = 0; i < tk->nmeasures; i++)
    if (strcmp(tk->measures[i].name, name) == 0)
      return &tk->measures[i];
  return NULL;
}

static void put_text_td (FILE *f, const char *s) {
  fputs("<td data-v=\"", f);
  esc(f, s);
  fputs("\">", f);
  esc(f, s);
  fputs("</td>", f);
}

static void put_table_row (FILE *f, const Experiment *ex, const ExCell *c,
                           const ExTake *tk) {
  fputs("<tr data-clip=\"", f);
  esc(f, tk->clip_id);
  fputs("\" data-file=\"", f);
  esc(f, tk->file);
  fputs("\" data-cell=\"", f);
  esc(f, c->key);
  fputs("\" data-title=\"", f);
  esc(f, tk->title);
  fputs("\" data-href=\"", f);
  esc(f, tk->href);
  fputs("\">", f);
  put_text_td(f, c->key);
  put_text_td(f, tk->title);
  put_text_td(f, tk->clip_id);
  if (tk->duration >= 0)
    fprintf(f, "<td data-v=\"%.17g\">%.2f</td>", tk->duration, tk->duration);
  else
    fputs("<td data-v=\"\"></td>", f);
  for (int i = 0; i < ex->nmeasure_names; i++) {
    const ExMeasure *m = measure_of(tk, ex->measures[i]);
    if (m == NULL || m->text != NULL) {
      fputs("<td data-v=\"\">", f);
      if (m)
        esc(f, m->text);
      fputs("</td>", f);
    } else {
      fprintf(f, "<td data-v=\"%.17g\">%g</td>", m->num, m->num);
    }
  }
  fputs("<td class=\"stars-cell\" data-v=\"0\">", f);
  for (int n = 1; n <= 5; n++)
    fprintf(f, "<button type=\"button\" class=\"star\" data-n=\"%d\" "
            "aria-label=\"%d star%s\">&#9733;</button>", n, n,
            n > 1 ? "s" : "");
  fputs("</td><td><input class=\"note\" type=\"text\" placeholder=\"note\">"
        "</td><td><input class=\"winner\" type=\"checkbox\" "
        "aria-label=\"winner\"></td></tr>", f);
}

static void put_takes_table (FILE *f, const Experiment *ex) {
  fputs("<section><h2>All takes</h2><p class=\"small\">Click a column to "
        "sort by it. Stars, notes and winners stay in this browser."
        "</p><div style=\"overflow-x:auto\"><table id=\"takes\"><thead><tr>"
        "<th data-type=\"text\">cell</th><th data-type=\"text\">title</th>"
        "<th data-type=\"text\">clip</th><th data-type=\"num\">duration</th>",
        f);
  for (int i = 0; i < ex->nmeasure_names; i++) {
    fputs("<th data-type=\"num\" data-measure=\"", f);
    esc(f, ex->measures[i]);
    fputs("\">", f);
    esc(f, ex->measures[i]);
    fputs("</th>", f);
  }
  fputs("<th data-type=\"num\">stars</th><th>note</th><th>winner</th>"
        "</tr></thead><tbody>", f);
  for (int i = 0; i < ex->ncells; i++)
    for (int k = 0; k < ex->cells[i].ntakes; k++)
      put_table_row(f, ex, &ex->cells[i], &ex->cells[i].takes[k]);
  fputs("</tbody></table></div></section>\n", f);
}

/* ------------------------------------------------- A/B and the export */

static void put_take_options (FILE *f, const Experiment *ex) {
  fputs("<option value=\"\">(a random take)</option>", f);
  for (int i = 0; i < ex->ncells; i++)
    for (int k = 0; k < ex->cells[i].ntakes; k++) {
      const ExTake *tk = &ex->cells[i].takes[k];
      if (tk->href == NULL)
        continue;
      fputs("<option value=\"", f);
      esc(f, tk->clip_id);
      fputs("\">", f);
      esc(f, ex->cells[i].key);
      fputs(": ", f);
      esc(f, tk->title);
      fputs("</option>", f);
    }
}

static void put_ab (FILE *f, const Experiment *ex) {
  fputs("<section id=\"ab\"><h2>Blind A/B</h2><p class=\"small\">Choose two "
        "takes (or leave them random); they play as A and B in random "
        "order, and their names show once you pick one. The pick marks "
        "the take a winner.</p><select id=\"ab-x\">", f);
  put_take_options(f, ex);
  fputs("</select> <select id=\"ab-y\">", f);
  put_take_options(f, ex);
  fputs("</select> <button type=\"button\" id=\"ab-start\">Start</button> "
        "<span id=\"ab-msg\" class=\"err\"></span>"
        "<div id=\"ab-play\" hidden><div><b>A</b><audio id=\"ab-audio-a\" "
        "controls preload=\"metadata\"></audio><button type=\"button\" "
        "id=\"ab-pick-a\">A is better</button></div><div><b>B</b><audio "
        "id=\"ab-audio-b\" controls preload=\"metadata\"></audio><button "
        "type=\"button\" id=\"ab-pick-b\">B is better</button></div></div>"
        "<p id=\"ab-reveal\"></p><ol id=\"ab-results\"></ol></section>\n"
        "<section><h2>Picks</h2><button type=\"button\" id=\"export\">"
        "Export picks</button> <span class=\"small\">downloads picks.json: "
        "every take with stars, a note or a win</span>"
        "<pre id=\"picks-json\" hidden></pre></section>\n", f);
}

/* --------------------------------------------------------------- page */

static void put_head (FILE *f, const Experiment *ex) {
  sf_html_head(f, script);
  fputs("experiment ", f);
  esc(f, ex->name);
  fprintf(f, "</title><style>%s</style></head>\n<body data-experiment=\"",
          css);
  esc(f, ex->name);
  fputs("\">\n<header><h1>Experiment <code>", f);
  esc(f, ex->name);
  fputs("</code></h1><p class=\"small\">source: ", f);
  esc(f, ex->source_title ? ex->source_title : "-");
  fputs(" <code>", f);
  esc(f, ex->source_clip);
  fprintf(f, "</code> &middot; %d cells</p></header><main>", ex->ncells);
}

int sf_experiment_html (FILE *f, Experiment *ex) {
  for (int i = 0; i < ex->ncells; i++)
    ex->cells[i].placed = 0;
  put_head(f, ex);
  put_grid(f, ex);
  put_takes_table(f, ex);
  put_ab(f, ex);
  fprintf(f, "</main><footer>sonicflow %s</footer>\n<script>%s</script>\n"
          "</body></html>\n", sf_version(), script);
  return ferror(f) ? -1 : 0;
}
