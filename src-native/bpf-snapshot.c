/*
 * Reads one task's fds through fdsnap.bpf.c, when the reader reaches that
 * task: the records are as fresh as a read of /proc/PID/fd then would be.
 *
 * libbpf (libbpf.so.1, the distribution's) is opened with dlopen when a
 * job first asks: it relocates the program against the running kernel's
 * BTF and loads it, once per process. Each task is a pass of its own: an
 * iterator link for that tid, its records read, the link dropped (about
 * 5 us a task beyond the fds themselves). Where libbpf is missing, or the
 * caller lacks CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), or the kernel
 * refuses the program or per-task iterators (before 6.1), snap_open says
 * why and the reader reads /proc alone, as it always could. The program is
 * compiled into this addon (fdsnap.bpf.inc, made by
 * scripts/build-native.mjs with clang); a build without clang has none and
 * says so.
 *
 * Open files and fd tables get ids, equal for equal kernel pointers within
 * the job, so no address leaves this file. Two fds read at different
 * times can have equal pointers and yet be two open files (one closed and
 * its memory reused by the other): an equal id is a candidate for kcmp to
 * prove, never proof. Different ids are different open files.
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

/* pointer -> dense id, growing: the job's whole life */
typedef struct {
  uint64_t *keys;
  uint32_t *ids;
  uint32_t mask, used, next;
} idmap_t;

struct snap {
  pthread_mutex_t mu; /* the ids */
  idmap_t files, tables;
};

/* ---- libbpf, by dlopen --------------------------------------------------- */

typedef int (*print_fn_t)(int level, const char *fmt, va_list ap);
static struct {
  void *(*open_mem)(const void *buf, size_t sz, const void *opts);
  int (*load)(void *obj);
  void *(*find_program)(const void *obj, const char *name);
  void *(*attach_iter)(const void *prog, const void *opts);
  int (*link_fd)(const void *link);
  int (*link_destroy)(void *link);
  int (*iter_create)(int link_fd);
  void (*close_obj)(void *obj);
  print_fn_t (*set_print)(print_fn_t fn);
} lb;

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded; /* 1 ok, -1 failed for good (why_not says why) */
static char why_not[256];
static void *program; /* loaded, kept for the process's life */
/* One pass at a time in this process: the program's scratch record is per
 * CPU, and a pass preempted on its CPU by another would share it. */
static pthread_mutex_t pass_mu = PTHREAD_MUTEX_INITIALIZER;

/* include/uapi/linux/bpf.h's, for bpf_program__attach_iter: one task. */
typedef struct {
  uint32_t tid, pid, pid_fd;
  uint32_t pad; /* the union is 16 bytes (its cgroup member) */
} iter_task_info_t;
typedef struct {
  size_t sz;
  void *link_info;
  uint32_t link_info_len;
} iter_attach_opts_t;

static void *attach_task(int tid) {
  iter_task_info_t info = {(uint32_t)tid, 0, 0, 0};
  /* Zeroed whole: libbpf refuses options whose padding is not zero. */
  iter_attach_opts_t opts;
  memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  opts.link_info = &info;
  opts.link_info_len = sizeof info;
  return lb.attach_iter(program, &opts);
}

#ifdef PROCFD_BPF
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

#endif

/* Out of fds or memory for now: a later capture (--every, the app) tries again. */
static int transient(int e) { return e == EMFILE || e == ENFILE || e == ENOMEM || e == EAGAIN || e == EINTR; }

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
  SYM(link_destroy, "bpf_link__destroy");
  SYM(iter_create, "bpf_iter_create");
  SYM(close_obj, "bpf_object__close");
  SYM(set_print, "libbpf_set_print");
#undef SYM
  lb.set_print(quiet_print);
  last_log[0] = 0;
  void *obj = lb.open_mem(fdsnap_bpf_o, fdsnap_bpf_o_len, NULL);
  int err = obj ? lb.load(obj) : -errno;
  void *prog = err ? NULL : lb.find_program(obj, "fdsnap");
  if (!prog) {
    int e = err ? -err : ENOENT;
    snprintf(why_not, sizeof why_not, "the kernel refused its BPF program (%s%s%s)", strerror(e), last_log[0] ? ": " : "",
             last_log);
    if (obj) lb.close_obj(obj);
    loaded = transient(e) ? 0 : -1;
    return;
  }
  /* Per-task iterators came in 6.1: try one, on ourselves. */
  program = prog;
  void *link = attach_task(getpid());
  if (!link) {
    int e = errno;
    if (transient(e))
      snprintf(why_not, sizeof why_not, "its per-task iterator could not be made (%s)", strerror(e));
    else
      snprintf(why_not, sizeof why_not, "the kernel has no per-task file iterator (%s: Linux 6.1 or later)", strerror(e));
    lb.close_obj(obj);
    program = NULL;
    loaded = transient(e) ? 0 : -1;
    return;
  }
  lb.link_destroy(link);
  /* The object stays for the process's life: a later capture (--every,
   * the app) attaches to it at no load cost. */
  loaded = 1;
#endif
}

/* ---- a job's passes ------------------------------------------------------ */

static uint32_t mix(uint64_t v) {
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  return (uint32_t)v;
}

static int idmap_grow(idmap_t *m) {
  uint32_t cap = m->keys ? (m->mask + 1) * 2 : 1024;
  uint64_t *keys = calloc(cap, sizeof *keys);
  uint32_t *ids = calloc(cap, sizeof *ids);
  if (!keys || !ids) {
    free(keys);
    free(ids);
    return -1;
  }
  for (uint32_t i = 0; m->keys && i <= m->mask; i++) {
    if (!m->keys[i]) continue;
    uint32_t j = mix(m->keys[i]) & (cap - 1);
    while (keys[j]) j = (j + 1) & (cap - 1);
    keys[j] = m->keys[i];
    ids[j] = m->ids[i];
  }
  free(m->keys);
  free(m->ids);
  m->keys = keys;
  m->ids = ids;
  m->mask = cap - 1;
  return 0;
}

/* The id of a pointer (0 stays 0), given out from 1; 0 when out of memory.
 * Kept at most half full, so a probe always ends. */
static uint32_t idmap_get(idmap_t *m, uint64_t key) {
  if (!key) return 0;
  if ((!m->keys || (m->used + 1) * 2 > m->mask + 1) && idmap_grow(m)) return 0;
  for (uint32_t i = mix(key) & m->mask;; i = (i + 1) & m->mask) {
    if (m->keys[i] == key) return m->ids[i];
    if (!m->keys[i]) {
      m->keys[i] = key;
      m->used++;
      return m->ids[i] = m->next++;
    }
  }
}

static void idmap_free(idmap_t *m) {
  free(m->keys);
  free(m->ids);
}

snap_t *snap_open(char *whybuf, size_t whylen) {
  pthread_mutex_lock(&load_mu);
  if (!loaded) load_once();
  int ok = loaded == 1;
  if (!ok) snprintf(whybuf, whylen, "%s", why_not);
  pthread_mutex_unlock(&load_mu);
  if (!ok) return NULL;
  snap_t *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(whybuf, whylen, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&s->mu, NULL);
  s->files.next = s->tables.next = 1;
  return s;
}

void snap_close(snap_t *s) {
  if (!s) return;
  idmap_free(&s->files);
  idmap_free(&s->tables);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

void snap_buf_free(snap_buf_t *b) {
  free(b->p);
  free(b->recs);
  memset(b, 0, sizeof *b);
}

int snap_task(snap_t *s, int tid, snap_buf_t *b, const snap_rec_t *const **out) {
  if (tid <= 0) return 0;
  b->n = 0;
  pthread_mutex_lock(&pass_mu);
  void *link = attach_task(tid);
  int attach_err = link ? 0 : errno;
  int it = -1;
  if (link) {
    it = lb.iter_create(lb.link_fd(link));
    lb.link_destroy(link); /* the iterator holds what it needs */
  }
  int err = !link || it < 0;
  while (!err) {
    if (b->cap - b->n < 65536) {
      size_t cap = b->cap ? b->cap * 2 : 1 << 18;
      char *p = realloc(b->p, cap);
      if (!p) {
        err = 1;
        break;
      }
      b->p = p;
      b->cap = cap;
    }
    ssize_t r = read(it, b->p + b->n, b->cap - b->n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) err = 1;
    if (r <= 0) break;
    b->n += (size_t)r;
  }
  if (it >= 0) close(it);
  pthread_mutex_unlock(&pass_mu);
  /* A task gone since it was listed: no such task to attach to. */
  if (err) return attach_err == ESRCH || attach_err == ENOENT ? 0 : -1;

  /* Records: 8-aligned, each its header and padded path. */
  b->nrecs = 0;
  for (size_t at = 0; at + sizeof(snap_rec_t) <= b->n;) {
    snap_rec_t *r = (snap_rec_t *)(b->p + at);
    at += (sizeof *r + (r->plen > 0 ? (size_t)r->plen : 0) + 7) & ~(size_t)7;
    if (r->tid != (uint32_t)tid) continue;
    if (b->nrecs == b->cap_recs) {
      size_t cap = b->cap_recs ? b->cap_recs * 2 : 1024;
      const snap_rec_t **recs = realloc(b->recs, cap * sizeof *recs);
      if (!recs) return -1;
      b->recs = recs;
      b->cap_recs = cap;
    }
    b->recs[b->nrecs++] = r;
  }
  pthread_mutex_lock(&s->mu);
  int oom = 0;
  for (size_t i = 0; i < b->nrecs; i++) {
    snap_rec_t *r = (snap_rec_t *)b->recs[i];
    r->file = idmap_get(&s->files, r->file);
    r->files = idmap_get(&s->tables, r->files);
    oom |= !r->file;
  }
  pthread_mutex_unlock(&s->mu);
  if (oom) return -1;
  *out = b->recs;
  return (int)b->nrecs;
}
