/*
** peer_cap.c -- connections per peer address (see peer_cap.h): a chained
** hash table of the addresses with connections open, an entry freed when
** its last connection closes.
*/
#include "peer_cap.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024             /* power of two */

typedef struct Peer {
  struct Peer *next;
  unsigned char key[17];          /* family, then 4 or 16 address bytes */
  unsigned count;
} Peer;

struct SfPeerCap {
  unsigned cap;
  Peer *bucket[NBUCKETS];
};

/* The address of 'sa' as a key (IPv4-mapped IPv6 as IPv4: one peer). */
static void key_of (const struct sockaddr *sa, unsigned char key[17]) {
  memset(key, 0, 17);
  if (sa->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
      key[0] = AF_INET;
      memcpy(key + 1, a->s6_addr + 12, 4);
    } else {
      key[0] = AF_INET6;
      memcpy(key + 1, a->s6_addr, 16);
    }
  } else if (sa->sa_family == AF_INET) {
    key[0] = AF_INET;
    memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  }                               /* anything else: one shared key */
}

static Peer **slot_of (const SfPeerCap *t, const unsigned char key[17]) {
  uint32_t h = 2166136261u;       /* FNV-1a */
  int i;
  for (i = 0; i < 17; i++)
    h = (h ^ key[i]) * 16777619u;
  return (Peer **)&t->bucket[h & (NBUCKETS - 1)];
}

static Peer **find (const SfPeerCap *t, const unsigned char key[17]) {
  Peer **p = slot_of(t, key);
  while (*p != NULL && memcmp((*p)->key, key, 17) != 0)
    p = &(*p)->next;
  return p;
}

SfPeerCap *sf_peer_cap_new (unsigned cap) {
  SfPeerCap *t = calloc(1, sizeof(*t));
  if (t != NULL)
    t->cap = cap;
  return t;
}

int sf_peer_cap_enter (SfPeerCap *t, const struct sockaddr *sa) {
  unsigned char key[17];
  Peer **p;
  key_of(sa, key);
  p = find(t, key);
  if (*p == NULL) {
    Peer *e = calloc(1, sizeof(*e));
    if (e == NULL)
      return -1;
    memcpy(e->key, key, 17);
    *p = e;
  }
  if ((*p)->count >= t->cap)
    return 0;
  (*p)->count++;
  return 1;
}

void sf_peer_cap_leave (SfPeerCap *t, const struct sockaddr *sa) {
  unsigned char key[17];
  Peer **p, *e;
  key_of(sa, key);
  p = find(t, key);
  if ((e = *p) == NULL)
    return;                       /* not counted: cannot happen */
  if (--e->count == 0) {
    *p = e->next;
    free(e);
  }
}

unsigned sf_peer_cap_count (const SfPeerCap *t, const struct sockaddr *sa) {
  unsigned char key[17];
  Peer **p;
  key_of(sa, key);
  p = find(t, key);
  return *p ? (*p)->count : 0;
}

void sf_peer_cap_free (SfPeerCap *t) {
  int i;
  if (t == NULL)
    return;
  for (i = 0; i < NBUCKETS; i++)
    while (t->bucket[i] != NULL) {
      Peer *e = t->bucket[i];
      t->bucket[i] = e->next;
      free(e);
    }
  free(t);
}
