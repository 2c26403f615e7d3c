/*
 * Takes fdsnap.bpf.c's pass over every task's fds and indexes it by pid.
 *
 * libbpf (libbpf.so.1, the distribution's) is opened with dlopen when a
 * first snapshot is asked for: it relocates the program against the
 * running kernel's BTF and attaches it. Where it is missing, or the caller
 * lacks CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), or the kernel refuses
 * the program, snap_take says why and the reader reads /proc alone, as it
 * always could. The program is compiled into this addon (fdsnap.bpf.inc,
 * made by scripts/build-native.mjs with clang); a build without clang has
 * no program and says so.
 */
#define _GNU_SOURCE
#include "bpf-snapshot.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#ifdef PROCFD_BPF
#include "fdsnap.bpf.inc" /* static const unsigned char fdsnap_bpf_o[]; fdsnap_bpf_o_len */
#endif

struct snap {
  char *buf; /* the records as the kernel wrote them */
  size_t len;
  const snap_rec_t **recs; /* every record, in stream order */
  int n;
  /* pid -> [start, start + count) of recs: open addressing, keys 0 = empty */
  int32_t *keys, *start, *count;
  uint32_t mask;
};

/* ---- libbpf, by dlopen --------------------------------------------------- */

typedef int (*print_fn_t)(int level, const char *fmt, va_list ap);
static struct {
  void *(*open_mem)(const void *buf, size_t sz, const void *opts);
  int (*load)(void *obj);
  void *(*find_program)(const void *obj, const char *name);
  void *(*attach_iter)(const void *prog, const void *opts);
  int (*link_fd)(const void *link);
  int (*iter_create)(int link_fd);
  void (*close_obj)(void *obj);
  print_fn_t (*set_print)(print_fn_t fn);
} lb;

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded;         /* 1 ok, -1 failed for good (why_not says why) */
static char why_not[256];
static int link_fd = -1;   /* the attached iterator, kept for the process's life */

/* libbpf's last warning, kept for why_not instead of printed to stderr. */
static __thread char last_log[200];
static int quiet_print(int level, const char *fmt, va_list ap) {
  if (level == 0 /* LIBBPF_WARN */) {
    char line[200];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t l = strlen(line);
    while (l && (line[l - 1] == '\n' || line[l - 1] == ' ')) line[--l] = 0;
    if (l && strncmp(line, "libbpf: prog 'fdsnap': -- ", 26) != 0 && !strchr(line, '\n')) memcpy(last_log, line, l + 1);
  }
  return 0;
}

/* Does the caller hold what loading a tracing program takes? */
static int may_trace(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) != 0) return 0;
  uint64_t eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
  const uint64_t SYS_ADMIN = 1ull << 21, PERFMON = 1ull << 38, BPF = 1ull << 39;
  return (eff & SYS_ADMIN) || ((eff & BPF) && (eff & PERFMON));
}

static void load_once(void) {
#ifndef PROCFD_BPF
  snprintf(why_not, sizeof why_not, "built without clang, so without its BPF program");
  loaded = -1;
#else
  if (!may_trace()) {
    snprintf(why_not, sizeof why_not, "needs CAP_BPF and CAP_PERFMON (or root)");
    loaded = -1;
    return;
  }
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    snprintf(why_not, sizeof why_not, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
    loaded = -1;
    return;
  }
  void *h = dlopen("libbpf.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(why_not, sizeof why_not, "libbpf.so.1 not found (apt-get install libbpf1)");
    loaded = -1;
    return;
  }
#define SYM(field, name)                                                      \
  if (!(*(void **)&lb.field = dlsym(h, name))) {                              \
    snprintf(why_not, sizeof why_not, "libbpf.so.1 has no %s", name);         \
    loaded = -1;                                                              \
    return;                                                                   \
  }
  SYM(open_mem, "bpf_object__open_mem");
  SYM(load, "bpf_object__load");
  SYM(find_program, "bpf_object__find_program_by_name");
  SYM(attach_iter, "bpf_program__attach_iter");
  SYM(link_fd, "bpf_link__fd");
  SYM(iter_create, "bpf_iter_create");
  SYM(close_obj, "bpf_object__close");
  SYM(set_print, "libbpf_set_print");
#undef SYM
  lb.set_print(quiet_print);
  last_log[0] = 0;
  void *obj = lb.open_mem(fdsnap_bpf_o, fdsnap_bpf_o_len, NULL);
  int err = obj ? lb.load(obj) : -errno;
  void *prog = err ? NULL : lb.find_program(obj, "fdsnap");
  void *link = prog ? lb.attach_iter(prog, NULL) : NULL;
  if (!link) {
    int e = err ? -err : errno;
    snprintf(why_not, sizeof why_not, "the kernel refused its BPF program (%s%s%s)", strerror(e), last_log[0] ? ": " : "",
             last_log);
    if (obj) lb.close_obj(obj);
    loaded = -1;
    return;
  }
  /* Object and link stay for the process's life: a later capture (--every,
   * the app) creates an iterator from the link at no load cost. */
  link_fd = lb.link_fd(link);
  loaded = 1;
#endif
}

/* ---- the snapshot -------------------------------------------------------- */

static uint32_t mix(uint64_t v) {
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  return (uint32_t)v;
}

/* Dense ids for kernel pointers (open files, fd tables), so that no
 * address leaves this file. */
typedef struct {
  uint64_t *keys;
  uint32_t *ids;
  uint32_t mask, next;
} idmap_t;

static int idmap_init(idmap_t *m, size_t want) {
  size_t cap = 16;
  while (cap < want * 2) cap <<= 1;
  m->keys = calloc(cap, sizeof *m->keys);
  m->ids = calloc(cap, sizeof *m->ids);
  m->mask = (uint32_t)cap - 1;
  m->next = 1;
  return m->keys && m->ids ? 0 : -1;
}

static uint32_t idmap_get(idmap_t *m, uint64_t key) {
  for (uint32_t i = mix(key) & m->mask;; i = (i + 1) & m->mask) {
    if (m->keys[i] == key) return m->ids[i];
    if (!m->keys[i]) {
      m->keys[i] = key;
      return m->ids[i] = m->next++;
    }
  }
}

static void idmap_free(idmap_t *m) {
  free(m->keys);
  free(m->ids);
}

void snap_free(snap_t *s) {
  if (!s) return;
  free(s->buf);
  free(s->recs);
  free(s->keys);
  free(s->start);
  free(s->count);
  free(s);
}

static snap_t *fail(snap_t *s, char *whybuf, size_t whylen, const char *what, int e) {
  snprintf(whybuf, whylen, "%s (%s)", what, strerror(e));
  snap_free(s);
  return NULL;
}

snap_t *snap_take(char *whybuf, size_t whylen) {
  pthread_mutex_lock(&load_mu);
  if (!loaded) load_once();
  int ok = loaded == 1;
  int lfd = link_fd;
  pthread_mutex_unlock(&load_mu);
  if (!ok) {
    snprintf(whybuf, whylen, "%s", why_not);
    return NULL;
  }
  snap_t *s = calloc(1, sizeof *s);
  if (!s) return fail(s, whybuf, whylen, "out of memory", ENOMEM);
  int it = lb.iter_create(lfd);
  if (it < 0) return fail(s, whybuf, whylen, "cannot start its iterator", errno);
  size_t cap = 1 << 20;
  s->buf = malloc(cap);
  for (;;) {
    if (!s->buf) {
      close(it);
      return fail(s, whybuf, whylen, "out of memory", ENOMEM);
    }
    if (cap - s->len < 65536) {
      char *b = realloc(s->buf, cap * 2);
      if (!b) {
        close(it);
        return fail(s, whybuf, whylen, "out of memory", ENOMEM);
      }
      s->buf = b;
      cap *= 2;
    }
    ssize_t r = read(it, s->buf + s->len, cap - s->len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      close(it);
      return fail(s, whybuf, whylen, "its iterator failed", e);
    }
    if (r == 0) break;
    s->len += (size_t)r;
  }
  close(it);

  /* Records: 8-aligned, each its header and padded path. */
  size_t n = 0;
  for (size_t at = 0; at + sizeof(snap_rec_t) <= s->len; n++) {
    const snap_rec_t *r = (const snap_rec_t *)(s->buf + at);
    at += (sizeof *r + (r->plen > 0 ? (size_t)r->plen : 0) + 7) & ~(size_t)7;
  }
  s->recs = malloc((n ? n : 1) * sizeof *s->recs);
  idmap_t files, tables;
  int bad = !s->recs || idmap_init(&files, n) || idmap_init(&tables, n / 8 + 16);
  /* Leaders' blocks, counted, for the pid index's size. */
  size_t blocks = 0;
  for (size_t i = 0, at = 0, prev = 0; i < n; i++) {
    const snap_rec_t *r = (const snap_rec_t *)(s->buf + at);
    at += (sizeof *r + (r->plen > 0 ? (size_t)r->plen : 0) + 7) & ~(size_t)7;
    if (r->tid == r->tgid && (i == 0 || r->tid != prev)) blocks++;
    prev = r->tid;
  }
  size_t cap2 = 16;
  while (cap2 < blocks * 2 + 16) cap2 <<= 1;
  s->keys = calloc(cap2, sizeof *s->keys);
  s->start = calloc(cap2, sizeof *s->start);
  s->count = calloc(cap2, sizeof *s->count);
  s->mask = (uint32_t)cap2 - 1;
  if (bad || !s->keys || !s->start || !s->count) {
    idmap_free(&files);
    idmap_free(&tables);
    return fail(s, whybuf, whylen, "out of memory", ENOMEM);
  }
  /* A task's records are contiguous (the iterator walks task by task),
   * and only a leader's own table is what /proc/PID/fd lists. */
  int32_t last = -1;
  uint32_t slot = 0;
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    snap_rec_t *r = (snap_rec_t *)(s->buf + at);
    at += (sizeof *r + (r->plen > 0 ? (size_t)r->plen : 0) + 7) & ~(size_t)7;
    r->file = idmap_get(&files, r->file);
    r->files = idmap_get(&tables, r->files);
    s->recs[i] = r;
    if (r->tid != r->tgid) continue;
    int32_t pid = (int32_t)r->tid;
    if (pid != last) {
      for (slot = mix((uint64_t)pid) & s->mask; s->keys[slot] && s->keys[slot] != pid; slot = (slot + 1) & s->mask) {
      }
      if (s->keys[slot] == pid) continue; /* the same task twice: keep its first block */
      s->keys[slot] = pid;
      s->start[slot] = (int32_t)i;
      s->count[slot] = 0;
      last = pid;
    }
    s->count[slot]++;
  }
  s->n = (int)n;
  idmap_free(&files);
  idmap_free(&tables);
  return s;
}

int snap_fds(const snap_t *s, int pid, const snap_rec_t *const **out) {
  if (pid <= 0) return 0;
  for (uint32_t i = mix((uint64_t)pid) & s->mask; s->keys[i]; i = (i + 1) & s->mask)
    if (s->keys[i] == pid) {
      *out = s->recs + s->start[i];
      return s->count[i];
    }
  return 0;
}
