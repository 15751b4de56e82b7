/*
** fake_server.c -- a misbehaving HTTP server on loopback, for the e2e tests.
**
** Usage: fake_server MODE [LOG]
** Prints "listening on http://127.0.0.1:PORT" (flushed) as its first stdout
** line, then answers every request on every path the same way, one
** connection at a time, until killed:
**   html      200, text/html page (an answer that is not JSON, or a
**             download that is an HTML page instead of audio)
**   html502   502, text/html page (a proxy error page)
**   truncate  200, audio/mpeg, Content-Length 200000, sends 4096 bytes of
**             an MP3-looking body and closes the connection
**   slow      200, audio/mpeg, Content-Length 2000000, sends an MP3-looking
**             body at 1 KiB per 100 ms (a transfer to interrupt)
**   endless   200, audio/mpeg, no Content-Length (ends at close): an
**             MP3-looking head, then zeros for up to 3 GB (a size cap test)
**   huge      200, audio/mpeg, Content-Length 3 GB, then the same body as
**             endless (a default size cap test: refused from the header)
**   twins     GET .../sonic/task/ID answers a succeeded task of two clips
**             titled alike whose ids share their first 8 characters;
**             GET .../a.mp3 and .../b.mp3 answer 4 KiB of MP3-looking
**             audio whose last byte is 'A' or 'B' (whose bytes are whose)
**   gzip      a CDN that compresses: GET ...mp3 answers 64 KiB of
**             MP3-looking audio, gzip-encoded (Content-Length of the
**             compressed bytes) when the request's Accept-Encoding names
**             gzip, plain otherwise
**             and GET .../sonic/task/ID answers a succeeded task of one
**             clip titled "Packed", gzip-encoded the same way (a service
**             behind a CDN that compresses JSON)
**   gzipall   the same, gzip-encoded whether asked or not
**   badjson   200, application/json, a create answer cut off mid-string
**   notaskid  200, application/json, {"message":"success"}: no task_id
**   hostile   a service whose data is hostile: GET .../sonic/task/ID
**             answers a succeeded task whose clips have path-like,
**             control-character ids and titles; GET ...mp3 answers 4 KiB of
**             MP3-looking audio; anything else 404
**   bigjson   GET .../sonic/task/ID answers a succeeded task of one clip
**             whose lyrics are 4,000 numbered lines (~140 KB; every other
**             line's accents written as \u escapes), the answer written
**             in 997-byte pieces so reads end anywhere, inside an escape
**             or a UTF-8 character too; GET ...mp3 as hostile
** With LOG, the head of every request (request line and headers) is
** appended to that file, so a test can check what a client sent.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

static int port;                /* the port bound, for URLs in answers */
static int asked_gzip;          /* the last request's Accept-Encoding names gzip */

static const char PAGE[] =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
  "<body><h1>Bad Gateway</h1><p>upstream unavailable</p></body></html>\n";

/* Write all of buf; 0 or -1 when the peer went away. */
static int write_all (int fd, const void *buf, size_t n) {
  const char *p = (const char *)buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* A whole 200 answer of 'n' bytes of 'type', then the connection ends. */
static void send_ok (int fd, const char *type, const char *body, size_t n) {
  char head[256];
  snprintf(head, sizeof(head),
           "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n", type, n);
  if (write_all(fd, head, strlen(head)) == 0)
    write_all(fd, body, n);
}

/* Read the request head (and a body of Content-Length bytes); -1 on EOF.
** The head is appended to 'log' when it is not NULL; the request target
** is copied to 'target'. */
static int read_request (int fd, FILE *log, char *target, size_t tlen) {
  char buf[65536];
  size_t len = 0;
  char *end = NULL;
  long body = 0, have;
  while (end == NULL) {
    ssize_t r;
    if (len == sizeof(buf) - 1)
      return -1;
    r = read(fd, buf + len, sizeof(buf) - 1 - len);
    if (r <= 0)
      return -1;
    len += (size_t)r;
    buf[len] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  if (log != NULL) {
    fwrite(buf, 1, (size_t)(end + 4 - buf), log);
    fflush(log);
  }
  {
    const char *sp = strchr(buf, ' ');
    size_t n = 0;
    if (sp != NULL)
      for (sp++; sp[n] != ' ' && sp[n] != '\r' && sp[n] != '\0' && n + 1 < tlen;
           n++)
        target[n] = sp[n];
    target[n] = '\0';
  }
  asked_gzip = 0;
  for (char *h = buf; h < end; h = strstr(h, "\r\n") + 2) {
    if (strncasecmp(h, "Content-Length:", 15) == 0)
      body = strtol(h + 15, NULL, 10);
    if (strncasecmp(h, "Accept-Encoding:", 16) == 0) {
      char *eol = strstr(h, "\r\n");
      char save = *eol;
      *eol = '\0';
      asked_gzip = strstr(h, "gzip") != NULL;
      *eol = save;
    }
  }
  have = (long)(len - (size_t)(end + 4 - buf));
  while (have < body) {
    ssize_t r = read(fd, buf, sizeof(buf));
    if (r <= 0)
      return -1;
    have += r;
  }
  return 0;
}

/* An MP3-looking chunk: ID3 header first, then frame-sync bytes. */
static void audio_chunk (char *buf, size_t n, int first) {
  memset(buf, 0, n);
  for (size_t i = 0; i + 1 < n; i += 417) {
    buf[i] = (char)0xFF;
    buf[i + 1] = (char)0xFB;
  }
  if (first && n >= 10)
    memcpy(buf, "ID3\x04\x00\x00\x00\x00\x00\x00", 10);
}

/* The hostile service: see the header. */
static void answer_hostile (int fd, const char *target) {
  char head[512], body[2048], chunk[4096];
  size_t tl = strlen(target);
  if (strstr(target, "/sonic/task/") != NULL) {
    snprintf(body, sizeof(body),
      "{\"code\":200,\"message\":\"success\",\"data\":["
      "{\"clip_id\":\"../../../evil\\n\\u0007id\",\"state\":\"succeeded\","
      "\"title\":\"../../../../tmp/escape\",\"duration\":\"3.0\","
      "\"audio_url\":\"http://127.0.0.1:%d/files/a.mp3\"},"
      "{\"clip_id\":\"/abs/olute/path\",\"state\":\"succeeded\","
      "\"title\":\"/etc/passwd\",\"duration\":3,"
      "\"audio_url\":\"http://127.0.0.1:%d/files/b.mp3\"}]}", port, port);
    send_ok(fd, "application/json", body, strlen(body));
  } else if (tl > 4 && strcmp(target + tl - 4, ".mp3") == 0) {
    audio_chunk(chunk, sizeof(chunk), 1);
    send_ok(fd, "audio/mpeg", chunk, sizeof(chunk));
  } else {
    static const char nf[] = "{\"type\":\"bad_request\",\"message\":\"not here\"}";
    snprintf(head, sizeof(head),
             "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             sizeof(nf) - 1);
    if (write_all(fd, head, strlen(head)) == 0)
      write_all(fd, nf, sizeof(nf) - 1);
  }
}

/* The twins service: see the header. */
static void answer_twins (int fd, const char *target) {
  char body[2048], chunk[4096];
  size_t tl = strlen(target);
  if (strstr(target, "/sonic/task/") != NULL) {
    snprintf(body, sizeof(body),
      "{\"code\":200,\"message\":\"success\",\"data\":["
      "{\"clip_id\":\"aaaaaaaa-1111-4000-8000-000000000001\","
      "\"state\":\"succeeded\",\"title\":\"Same\",\"duration\":3,"
      "\"audio_url\":\"http://127.0.0.1:%d/files/a.mp3\"},"
      "{\"clip_id\":\"aaaaaaaa-2222-4000-8000-000000000002\","
      "\"state\":\"succeeded\",\"title\":\"Same\",\"duration\":3,"
      "\"audio_url\":\"http://127.0.0.1:%d/files/b.mp3\"}]}", port, port);
    send_ok(fd, "application/json", body, strlen(body));
    return;
  }
  if (tl < 5 || strcmp(target + tl - 4, ".mp3") != 0) {
    answer_hostile(fd, target);   /* its 404 */
    return;
  }
  audio_chunk(chunk, sizeof(chunk), 1);
  chunk[sizeof(chunk) - 1] = target[tl - 5] == 'a' ? 'A' : 'B';
  send_ok(fd, "audio/mpeg", chunk, sizeof(chunk));
}

/* The big answer: see the header. A line is
**   "line NNNN: café \"snow\" ☃" and a newline,
** the é and ☃ raw UTF-8 in even lines and \u escapes in odd ones. */
static void answer_bigjson (int fd, const char *target) {
  static char body[300000];
  char head[256];
  size_t n = 0, off;
  if (strstr(target, "/sonic/task/") == NULL) {
    answer_hostile(fd, target);
    return;
  }
  n += (size_t)snprintf(body + n, sizeof(body) - n,
    "{\"code\":200,\"message\":\"success\",\"data\":[{\"clip_id\":"
    "\"bbbbbbbb-1111-4000-8000-000000000001\",\"state\":\"succeeded\","
    "\"title\":\"Big\",\"duration\":3,\"audio_url\":"
    "\"http://127.0.0.1:%d/files/a.mp3\",\"lyrics\":\"", port);
  for (int i = 0; i < 4000; i++)
    n += (size_t)snprintf(body + n, sizeof(body) - n,
                          i % 2 ? "line %04d: caf\\u00e9 \\\"snow\\\" \\u2603\\n"
                                : "line %04d: caf\xc3\xa9 \\\"snow\\\" \xe2\x98\x83\\n",
                          i);
  n += (size_t)snprintf(body + n, sizeof(body) - n, "\"}]}");
  snprintf(head, sizeof(head),
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n", n);
  if (write_all(fd, head, strlen(head)) != 0)
    return;
  for (off = 0; off < n; off += 997)
    if (write_all(fd, body + off, n - off < 997 ? n - off : 997) != 0)
      return;
}

/* The compressing CDN: 64 KiB of MP3-looking audio, gzip-encoded when
** asked (or always, 'always'). The audio is the same bytes either way, so
** a test can compare the file with what a plain GET gives. */
static void answer_gzip (int fd, int always, const char *target) {
  static unsigned char plain[65536], packed[70000];
  char head[512];
  z_stream z;
  int gz = always || asked_gzip;
  int json = strstr(target, "/sonic/task/") != NULL;
  size_t n = sizeof(plain);
  if (json) {
    n = (size_t)snprintf((char *)plain, sizeof(plain),
      "{\"code\":200,\"message\":\"success\",\"data\":[{\"clip_id\":"
      "\"cccccccc-1111-4000-8000-000000000001\",\"state\":\"succeeded\","
      "\"title\":\"Packed\",\"duration\":3,\"audio_url\":"
      "\"http://127.0.0.1:%d/files/song.mp3\"}]}", port);
  } else {
    audio_chunk((char *)plain, sizeof(plain), 1);
    for (size_t i = 10; i < sizeof(plain); i += 97)   /* not all zeros */
      plain[i] = (unsigned char)(i * 31);
  }
  if (gz) {
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = plain;
    z.avail_in = (uInt)n;
    z.next_out = packed;
    z.avail_out = sizeof(packed);
    deflate(&z, Z_FINISH);
    n = z.total_out;
    deflateEnd(&z);
  }
  snprintf(head, sizeof(head),
           "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n%s"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n",
           json ? "application/json" : "audio/mpeg",
           gz ? "Content-Encoding: gzip\r\n" : "", n);
  if (write_all(fd, head, strlen(head)) == 0)
    write_all(fd, gz ? packed : plain, n);
}

/* A create answered 200 with JSON that is cut off, or that has no
** task_id: the service may have charged it either way. */
static void answer_bad_create (int fd, int cut) {
  static const char cutoff[] = "{\"message\":\"success\",\"task_id\":\"5f1c2a";
  static const char noid[] = "{\"message\":\"success\"}";
  const char *body = cut ? cutoff : noid;
  send_ok(fd, "application/json", body, strlen(body));
}

static void answer (int fd, const char *mode, const char *target) {
  char head[512], chunk[4096];
  if (strcmp(mode, "twins") == 0) {
    answer_twins(fd, target);
  } else if (strcmp(mode, "bigjson") == 0) {
    answer_bigjson(fd, target);
  } else if (strncmp(mode, "gzip", 4) == 0) {
    answer_gzip(fd, mode[4] != '\0', target);
  } else if (strcmp(mode, "badjson") == 0 || strcmp(mode, "notaskid") == 0) {
    answer_bad_create(fd, mode[0] == 'b');
  } else if (strcmp(mode, "hostile") == 0) {
    answer_hostile(fd, target);
  } else if (strcmp(mode, "html") == 0 || strcmp(mode, "html502") == 0) {
    int st = mode[4] ? 502 : 200;
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d %s\r\nContent-Type: text/html\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             st, st == 200 ? "OK" : "Bad Gateway", sizeof(PAGE) - 1);
    if (write_all(fd, head, strlen(head)) == 0)
      write_all(fd, PAGE, sizeof(PAGE) - 1);
  } else if (strcmp(mode, "truncate") == 0) {
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
             "Content-Length: 200000\r\nConnection: close\r\n\r\n");
    audio_chunk(chunk, sizeof(chunk), 1);
    if (write_all(fd, head, strlen(head)) == 0)
      write_all(fd, chunk, sizeof(chunk));
  } else if (strcmp(mode, "endless") == 0 || strcmp(mode, "huge") == 0) {
    /* endless: no Content-Length, only a cap in the client can stop it */
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n%s"
             "Connection: close\r\n\r\n",
             mode[0] == 'h' ? "Content-Length: 3221225472\r\n" : "");
    if (write_all(fd, head, strlen(head)) != 0)
      return;
    audio_chunk(chunk, sizeof(chunk), 1);
    if (write_all(fd, chunk, sizeof(chunk)) != 0)
      return;
    memset(chunk, 0, sizeof(chunk));
    for (long i = 0; i < 3L * 1024 * 1024 * 1024 / (long)sizeof(chunk); i++)
      if (write_all(fd, chunk, sizeof(chunk)) != 0)
        return;
  } else {  /* slow */
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n"
             "Content-Length: 2048000\r\nConnection: close\r\n\r\n");
    if (write_all(fd, head, strlen(head)) != 0)
      return;
    for (int i = 0; i < 2000; i++) {
      audio_chunk(chunk, 1024, i == 0);
      if (write_all(fd, chunk, 1024) != 0)
        return;
      usleep(100000);
    }
  }
}

int main (int argc, char **argv) {
  struct sockaddr_in a;
  socklen_t alen = sizeof(a);
  int one = 1, s;
  const char *mode = argc > 1 ? argv[1] : "html";
  FILE *log = NULL;
  if (strcmp(mode, "html") && strcmp(mode, "html502") &&
      strcmp(mode, "truncate") && strcmp(mode, "slow") &&
      strcmp(mode, "hostile") && strcmp(mode, "endless") &&
      strcmp(mode, "twins") && strcmp(mode, "gzip") && strcmp(mode, "huge") &&
      strcmp(mode, "gzipall") && strcmp(mode, "badjson") &&
      strcmp(mode, "notaskid") && strcmp(mode, "bigjson")) {
    fprintf(stderr, "usage: fake_server html|html502|truncate|slow|hostile|"
            "endless|huge|twins|gzip|gzipall|badjson|notaskid|bigjson "
            "[LOG]\n");
    return 2;
  }
  if (argc > 2 && (log = fopen(argv[2], "a")) == NULL) {
    perror(argv[2]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  s = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 64) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &alen) != 0) {
    perror("fake_server");
    return 1;
  }
  port = ntohs(a.sin_port);
  printf("listening on http://127.0.0.1:%d\n", port);
  fflush(stdout);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0)
      continue;
    char target[1024];
    if (read_request(c, log, target, sizeof(target)) == 0)
      answer(c, mode, target);
    shutdown(c, SHUT_WR);
    close(c);
  }
}
