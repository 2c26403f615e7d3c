/*
 * prefault: maps in, on a thread of its own, the pages the JavaScript
 * heap's young generation will be allocated into.
 *
 * A capture allocates about 700 bytes per fd, nearly all of it in V8's new
 * space, and keeps all of it until the image is written. Each 4 KiB page
 * of that space is first touched by the main thread, the capture's
 * critical path, and a first touch costs a page fault: on a virtual
 * machine with shadow page tables, 15-20 us (measured here: 150 ms to
 * touch 32 MiB a page at a time). madvise(MADV_POPULATE_WRITE) maps a
 * range in as a write fault would, without writing (Linux 5.14): its
 * contents stay what they are, so it is safe beside the thread that owns
 * them; and a plain read of each page afterwards makes the hypervisor map
 * it too, so the main thread's own first write then costs nothing (8192
 * pages: 0.2 ms instead of 150).
 *
 * The pages are V8's: anonymous, read-write, private regions of exactly
 * one V8 page (256 KiB) each. Nothing else is touched (thread stacks,
 * malloc's arenas, the code space). Where the kernel lacks
 * MADV_POPULATE_WRITE (EINVAL) the thread does nothing more: a read of an
 * unpopulated page would map the shared zero page, and the write would
 * fault anyway.
 */
#define _GNU_SOURCE
#include "prefault.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define V8_PAGE (256u << 10)
#define MAX_REGIONS 4096

typedef struct {
  uintptr_t start[MAX_REGIONS];
  int n;
} regions_t;

/* The V8 pages in /proc/self/maps, in its (address) order. */
static int v8_pages(regions_t *r) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t cap = 1 << 16, n = 0;
  char *s = malloc(cap + 1);
  for (ssize_t k; s; n += (size_t)k) {
    if (n == cap) {
      char *t = realloc(s, cap * 2 + 1);
      if (!t) break;
      s = t;
      cap *= 2;
    }
    k = read(fd, s + n, cap - n);
    if (k <= 0) break;
  }
  close(fd);
  if (!s) return -1;
  s[n] = 0;
  r->n = 0;
  for (char *line = s; *line && r->n < MAX_REGIONS;) {
    char *end = strchr(line, '\n');
    if (end) *end = 0;
    unsigned long a, b, off, ino;
    char perms[8];
    int path = 0;
    /* start-end perms offset dev inode [path] */
    if (sscanf(line, "%lx-%lx %7s %lx %*x:%*x %lu %n", &a, &b, perms, &off, &ino, &path) >= 5 && b - a == V8_PAGE &&
        strcmp(perms, "rw-p") == 0 && ino == 0 && (path == 0 || line[path] == 0))
      r->start[r->n++] = a;
    if (!end) break;
    line = end + 1;
  }
  free(s);
  return 0;
}

static void *prefault_thread(void *arg) {
  (void)arg;
  regions_t *r = malloc(sizeof *r);
  if (!r || v8_pages(r) != 0) {
    free(r);
    return NULL;
  }
  long pg = sysconf(_SC_PAGESIZE);
  if (pg <= 0) pg = 4096;
  for (int i = 0; i < r->n; i++) {
    char *p = (char *)r->start[i];
    if (madvise(p, V8_PAGE, MADV_POPULATE_WRITE) != 0) {
      /* EINVAL: no such advice here; ENOMEM: the region went away (V8
       * freed it) or memory is short. Either way, stop: this is only a
       * head start. */
      break;
    }
    for (size_t o = 0; o < V8_PAGE; o += (size_t)pg) (void)__atomic_load_n((volatile uint64_t *)(p + o), __ATOMIC_RELAXED);
  }
  free(r);
  return NULL;
}

napi_value js_prefault(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_attr_t at;
  pthread_t t;
  int ok = pthread_attr_init(&at) == 0;
  if (ok) pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  if (ok) pthread_attr_setstacksize(&at, 64 << 10);
  int started = ok && pthread_create(&t, &at, prefault_thread, NULL) == 0;
  if (ok) pthread_attr_destroy(&at);
  napi_value v;
  napi_get_boolean(env, started, &v);
  return v;
}
