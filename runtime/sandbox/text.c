/*
** text.c -- titles, lyrics and tags that read like a songwriter's, made
** deterministically from the request's words and a hash: the same prompt
** always gives the same song.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_WORDS 6

/* Words that carry no theme. */
static const char *STOP[] = {
  "about", "with", "that", "this", "song", "music", "track", "make",
  "some", "very", "from", "into", "like", "have", "want", "would", "there",
  "their", "they", "them", "what", "when", "where", "which", "your",
  "style", "feel", "feeling", "vibe", "vibes", "tune", "beat", "please",
  "sound", "sounds", "write", "create", "just", "more", "over", "under",
  "verse", "chorus", "bridge", "intro", "outro", "vocals", "vocal",
  "female", "male", "singer", "tempo", "slow", "fast", "gentle", "soft",
  "the", "and", "for", "but", "not", "you", "are", "was", "his", "her",
  "its", "our", "out", "all", "one", "two", "who", "how", "why", "can",
  "get", "got", "let", "new", "old", "big", "way", "off", "too", "any",
  "lofi", "hop", "pop", "rnb", "edm", "indie", "band", "guitar", "drums",
};

/* Styles recognised in a description, as tags. */
static const char *STYLES[] = {
  "lo-fi", "acoustic", "synthwave", "jazz", "rock", "piano", "orchestral",
  "mellow", "chill", "energetic", "upbeat", "ambient", "edm", "house",
  "metal", "punk", "pop", "folk", "hip hop", "country", "blues", "funk",
  "soul", "r&b", "classical", "reggae", "electronic", "indie", "cinematic",
  "dreamy", "happy", "sad", "dark", "romantic", "epic",
};

static const char *NOUNS[] = {
  "Roads", "Nights", "Skies", "Rain", "Lights", "Echoes", "Horizon",
  "Rivers", "Fire", "Summer", "Shadows", "Dreams", "Tides", "Stars",
  "Morning", "Heart", "Winter", "City", "Ocean", "Wings",
};

static const char *THEMES[] = {
  "the road", "the night", "the rain", "the city", "the sea", "the stars",
  "the fire", "the wind", "the sky", "the river",
};

static const char *LINES[] = {
  "Under %s I keep on walking",
  "Every step I take leads back to %s",
  "Tell me why I still dream of %s",
  "We were young and we chased %s",
  "Hold on, hold on to %s",
  "All the while I was looking for %s",
  "Carry me home through %s",
  "I can hear you calling out to %s",
  "Running like the light across %s",
  "Nothing ever felt as close as %s",
  "Singing to %s until the morning",
  "Oh, %s, don't let me go",
};

/* Stop words and style names make poor themes ("the folk"). */
static int is_stop (const char *w) {
  size_t i;
  for (i = 0; i < NELEM(STOP); i++)
    if (strcmp(STOP[i], w) == 0)
      return 1;
  for (i = 0; i < NELEM(STYLES); i++)
    if (strcmp(STYLES[i], w) == 0)
      return 1;
  return 0;
}

/* The theme words of 'desc': lower-cased, 3+ letters, not stop words.
** Returns how many were written to 'w' (each 31 chars at most). */
static int theme_words (const char *desc, char w[MAX_WORDS][32]) {
  int n = 0;
  const char *p = desc ? desc : "";
  while (*p && n < MAX_WORDS) {
    size_t len = 0;
    char word[32];
    while (*p && !isalpha((unsigned char)*p))
      p++;
    while (isalpha((unsigned char)*p)) {
      if (len < sizeof(word) - 1)
        word[len++] = (char)tolower((unsigned char)*p);
      p++;
    }
    word[len] = '\0';
    if (len >= 3 && !is_stop(word))
      memcpy(w[n++], word, len + 1);
  }
  return n;
}

/* "autumn" -> "Autumn" */
static void capital (Buf *b, const char *w) {
  char c = (char)toupper((unsigned char)w[0]);
  sf_sbx_buf_addn(b, &c, 1);
  sf_sbx_buf_add(b, w + 1);
}

/* A title: "<Theme> <Noun>", "Chasing <Theme>" or "<Noun> of <Theme>". */
char *sf_sbx_text_title (uint64_t h, const char *desc) {
  char w[MAX_WORDS][32];
  int n = theme_words(desc, w);
  const char *noun = NOUNS[h % NELEM(NOUNS)];
  Buf b;
  sf_sbx_buf_init(&b);
  if (n == 0) {
    sf_sbx_buf_fmt(&b, "%s %s", (h >> 8) & 1 ? "Golden" : "Silver", noun);
    return sf_sbx_buf_take(&b);
  }
  switch ((h >> 16) % 3) {
  case 0:
    capital(&b, w[0]);
    sf_sbx_buf_fmt(&b, " %s", noun);
    break;
  case 1:
    sf_sbx_buf_add(&b, "Chasing ");
    capital(&b, w[(h >> 24) % (uint64_t)n]);
    break;
  default:
    sf_sbx_buf_fmt(&b, "%s of ", noun);
    capital(&b, w[(h >> 24) % (uint64_t)n]);
  }
  return sf_sbx_buf_take(&b);
}

/* One stanza of 'nlines' lines about the theme words (or stock ones). */
static void stanza (Buf *b, uint64_t h, const char *head, int nlines,
                    char w[MAX_WORDS][32], int n) {
  int i;
  sf_sbx_buf_fmt(b, "[%s]\n", head);
  for (i = 0; i < nlines; i++) {
    uint64_t k = sf_sbx_hash_mix(h, (uint64_t)i);
    char theme[48];
    if (n > 0 && (k >> 32) % 3 != 0)
      snprintf(theme, sizeof(theme), "the %s", w[(k >> 8) % (uint64_t)n]);
    else
      snprintf(theme, sizeof(theme), "%s", THEMES[(k >> 8) % NELEM(THEMES)]);
    sf_sbx_buf_fmt(b, LINES[k % NELEM(LINES)], theme);
    sf_sbx_buf_add(b, i + 1 < nlines ? "\n" : "");
  }
}

/* Lyrics with [Verse]/[Chorus] markers; an extension brings a bridge and
** a last chorus instead. */
char *sf_sbx_text_lyrics (uint64_t h, const char *desc, int extension) {
  char w[MAX_WORDS][32];
  int n = theme_words(desc, w);
  Buf b;
  sf_sbx_buf_init(&b);
  if (extension) {
    stanza(&b, sf_sbx_hash_mix(h, 11), "Bridge", 4, w, n);
    sf_sbx_buf_add(&b, "\n\n");
    stanza(&b, sf_sbx_hash_mix(h, 12), "Chorus", 4, w, n);
    return sf_sbx_buf_take(&b);
  }
  stanza(&b, sf_sbx_hash_mix(h, 1), "Verse", 4, w, n);
  sf_sbx_buf_add(&b, "\n\n");
  stanza(&b, sf_sbx_hash_mix(h, 2), "Chorus", 4, w, n);
  sf_sbx_buf_add(&b, "\n\n");
  stanza(&b, sf_sbx_hash_mix(h, 3), "Verse 2", 4, w, n);
  sf_sbx_buf_add(&b, "\n\n");
  stanza(&b, sf_sbx_hash_mix(h, 2), "Chorus", 4, w, n);
  return sf_sbx_buf_take(&b);
}

/* Tags named in the description, in list order; else two drawn by 'h'. */
char *sf_sbx_text_tags (uint64_t h, const char *desc) {
  Buf b;
  size_t i, found = 0;
  char low[512];
  size_t len = desc ? strlen(desc) : 0;
  if (len >= sizeof(low))
    len = sizeof(low) - 1;
  for (i = 0; i < len; i++)
    low[i] = (char)tolower((unsigned char)desc[i]);
  low[len] = '\0';
  sf_sbx_buf_init(&b);
  for (i = 0; i < NELEM(STYLES) && found < 4; i++)
    if (strstr(low, STYLES[i]) != NULL)
      sf_sbx_buf_fmt(&b, "%s%s", found++ ? ", " : "", STYLES[i]);
  if (found == 0)
    sf_sbx_buf_fmt(&b, "%s, %s", STYLES[h % 18],
                   STYLES[18 + (h >> 8) % (NELEM(STYLES) - 18)]);
  return sf_sbx_buf_take(&b);
}

/* "https://x/y/my_song-demo.mp3?a=1" -> "My Song Demo". */
char *sf_sbx_text_upload_title (const char *url) {
  const char *base = strrchr(url, '/'), *p;
  Buf b;
  int cap = 1;
  base = base ? base + 1 : url;
  sf_sbx_buf_init(&b);
  for (p = base; *p && *p != '.' && *p != '?' && *p != '#' && b.len < 80;
       p++) {
    char c = *p;
    if (c == '_' || c == '-' || c == '+' || c == '%') {
      if (b.len > 0 && b.p[b.len - 1] != ' ')
        sf_sbx_buf_add(&b, " ");
      cap = 1;
      continue;
    }
    if (cap)
      c = (char)toupper((unsigned char)c);
    cap = 0;
    sf_sbx_buf_addn(&b, &c, 1);
  }
  if (b.len == 0)
    sf_sbx_buf_add(&b, "Uploaded Audio");
  return sf_sbx_buf_take(&b);
}

/* ---- upsample-tags ------------------------------------------------------ */

/* What a short tag usually grows into: a style word and the tags that
** come with it. The related tags are words the synth hears (synth_style.c),
** so an upsampled prompt also sounds more like what it says. */
static const struct { const char *keys, *more; } RELATED[] = {
  { "lo-fi|lofi", "dusty drums, vinyl crackle, mellow, jazzy piano" },
  { "acoustic|unplugged", "guitar, warm, intimate, folk" },
  { "synthwave|retrowave|80s|outrun", "synth, driving, retro, dreamy" },
  { "jazz|swing|bossa", "piano, brass, swung, vintage" },
  { "rock|grunge|alternative", "guitar, heavy, energetic, powerful" },
  { "metal", "distorted, heavy, aggressive, fast" },
  { "edm|house|dance|club", "synth, upbeat, energetic, groovy" },
  { "techno|trance", "synth, driving, minimal, hypnotic" },
  { "ambient|atmospheric|drone", "dreamy, ethereal, strings, slow" },
  { "hiphop|hip hop|rap|boom bap", "dusty drums, groovy, vinyl, bass" },
  { "trap|drill|phonk", "heavy, dark, bass, aggressive" },
  { "pop", "catchy, bright, upbeat, synth" },
  { "folk|country|americana", "acoustic, guitar, warm, storytelling" },
  { "classical|orchestral|cinematic", "strings, piano, epic, slow" },
  { "rnb|r&b|soul", "groovy, smooth, piano, emotional" },
  { "reggae|dub|ska", "groovy, bass, sunny, organ" },
  { "mellow|chill|calm", "soft, gentle, slow, dreamy" },
  { "energetic|upbeat|driving", "fast, powerful, bright" },
  { "sad|melancholic|dark", "emotional, slow, piano, moody" },
  { "happy|cheerful|sunny", "bright, upbeat, fun" },
};

/* 1 if 'low' holds any '|'-separated key of 'keys'. */
static int has_any (const char *low, const char *keys) {
  char one[32];
  while (*keys) {
    size_t n = strcspn(keys, "|");
    if (n > 0 && n < sizeof(one)) {
      memcpy(one, keys, n);
      one[n] = '\0';
      if (strstr(low, one) != NULL)
        return 1;
    }
    keys += n + (keys[n] == '|');
  }
  return 0;
}

/* Append each tag of 'list' that neither 'low' nor what was added has. */
static void add_new (Buf *b, char *low, size_t lowcap, const char *list) {
  while (*list) {
    size_t n = strcspn(list, ",");
    char tag[64];
    size_t k = 0;
    while (n > 0 && *list == ' ')
      list++, n--;
    if (n > 0 && n < sizeof(tag)) {
      for (k = 0; k < n; k++)
        tag[k] = (char)tolower((unsigned char)list[k]);
      tag[n] = '\0';
      if (strstr(low, tag) == NULL && strlen(low) + n + 3 < lowcap &&
          b->len + n + 2 < 1000) {
        sf_sbx_buf_fmt(b, ", %s", tag);
        strcat(low, ", ");
        strcat(low, tag);
      }
    }
    list += n + (list[n] == ',');
  }
}

char *sf_sbx_text_upsample (const char *tags) {
  Buf b;
  char low[2048], asked[1024];    /* what is there now; what was asked */
  size_t i, len = strlen(tags), matched = 0;
  if (len >= sizeof(asked))
    len = sizeof(asked) - 1;
  for (i = 0; i < len; i++)
    low[i] = asked[i] = (char)tolower((unsigned char)tags[i]);
  low[len] = asked[len] = '\0';
  sf_sbx_buf_init(&b);
  sf_sbx_buf_add(&b, tags);          /* whole: only matching is capped */
  for (i = 0; i < NELEM(RELATED); i++)
    if (has_any(asked, RELATED[i].keys) && matched++ < 3)
      add_new(&b, low, sizeof(low), RELATED[i].more);
  if (matched == 0)     /* nothing known: what any prompt gains */
    add_new(&b, low, sizeof(low), "catchy melody, polished production, "
            "warm mix");
  return sf_sbx_buf_take(&b);
}
