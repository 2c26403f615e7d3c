/*
 * Reads one task's fds through fdsnap.bpf.c, when the reader reaches that
 * task: the records are as fresh as a read of /proc/PID/fd then would be.
 *
 * The program is embedded as a light skeleton (fdsnap.lskel.h, made by
 * scripts/build-native.mjs with clang and bpftool): a loader program that
 * the kernel runs to relocate it against its own BTF and load it, with
 * plain bpf() calls and no libbpf at run time; once per process. Each task
 * is a pass of its own: an iterator link for that tid, its records read,
 * the link dropped (about 5 us a task beyond the fds themselves). Where the
 * caller lacks CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), or the kernel
 * refuses the program or per-task iterators (before 6.1), snap_open says
 * why and the reader reads /proc alone, as it always could; a build
 * without clang or bpftool has no program and says so.
 *
 * Open files and fd tables get ids, equal for equal kernel pointers within
 * the job, so no address leaves this file. Two fds read at different
 * times can have equal pointers and yet be two open files (one closed and
 * its memory reused by the other): an equal id is a candidate for kcmp to
 * prove, never proof. Different ids are different open files.
 */
#define _GNU_SOURCE
#include "bpf-snapshot.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#ifdef PROCFD_BPF
#include <linux/bpf.h>
#include "fdsnap.lskel.h" /* made by scripts/build-native.mjs: clang, then bpftool gen skeleton -L */
#else
#include "bpf-why.h" /* PROCFD_BPF_WHY: why the build has no program */
#endif

struct snap {
  uint64_t key; /* the job's secret for ids (snap_id) */
};

/* ---- the program: a light skeleton (bpftool gen skeleton -L) ----------- */

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static int loaded; /* 1 ok, -1 failed for good (why_not says why) */
static char why_not[256];
/* One pass at a time in this process: the program's scratch record is per
 * CPU, and a pass preempted on its CPU by another would share it. */
static pthread_mutex_t pass_mu = PTHREAD_MUTEX_INITIALIZER;

#ifdef PROCFD_BPF
static struct fdsnap *skel; /* loaded, kept for the process's life */

static int sys_bpf(int cmd, union bpf_attr *a) { return (int)syscall(SYS_bpf, cmd, a, sizeof *a); }

/* include/uapi/linux/bpf.h's bpf_iter_link_info for one task (6.1), spelled
 * out: a build on older headers still builds, and the kernel says no. */
typedef struct {
  uint32_t tid, pid, pid_fd;
  uint32_t pad; /* the union is 16 bytes (its cgroup member) */
} iter_task_info_t;

/* An iterator link over one task's files, of the whole program or the
 * light one (fdsnap_ids: no paths or figures, for second passes): its fd,
 * or -1 (errno). */
static int attach_task(int tid, int light) {
  iter_task_info_t info = {(uint32_t)tid, 0, 0, 0};
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.link_create.prog_fd = (uint32_t)(light ? skel->progs.fdsnap_ids.prog_fd : skel->progs.fdsnap.prog_fd);
  a.link_create.attach_type = BPF_TRACE_ITER;
  a.link_create.iter_info = (uint64_t)(uintptr_t)&info;
  a.link_create.iter_info_len = sizeof info;
  return sys_bpf(BPF_LINK_CREATE, &a);
}

/* A readable iterator of a link: its fd, or -1 (errno). */
static int iter_create(int link) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.iter_create.link_fd = (uint32_t)link;
  return sys_bpf(BPF_ITER_CREATE, &a);
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

#ifdef PROCFD_BPF
/* Out of fds or memory for now: a later capture (--every, the app) tries again. */
static int transient(int e) { return e == EMFILE || e == ENFILE || e == ENOMEM || e == EAGAIN || e == EINTR; }
#endif

static void load_once(void) {
#ifndef PROCFD_BPF
  snprintf(why_not, sizeof why_not, "built without its BPF program (%s)", PROCFD_BPF_WHY);
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
  /* The skeleton's loader program relocates it inside the kernel, against
   * the kernel's own BTF (which keeps what it found for the next load):
   * ~1.5 ms, where libbpf read and searched 5 MB of BTF here, ~20 ms. */
  skel = fdsnap__open_and_load();
  if (!skel) {
    int e = errno ? errno : EINVAL;
    snprintf(why_not, sizeof why_not, "the kernel refused its BPF program (%s)", strerror(e));
    loaded = transient(e) ? 0 : -1;
    return;
  }
  /* Per-task iterators came in 6.1: try one, on ourselves. */
  int link = attach_task(getpid(), 0);
  if (link < 0) {
    int e = errno;
    if (transient(e))
      snprintf(why_not, sizeof why_not, "its per-task iterator could not be made (%s)", strerror(e));
    else
      snprintf(why_not, sizeof why_not, "the kernel has no per-task file iterator (%s: Linux 6.1 or later)", strerror(e));
    fdsnap__destroy(skel);
    skel = NULL;
    loaded = transient(e) ? 0 : -1;
    return;
  }
  close(link);
  /* The program stays for the process's life: a later capture (--every,
   * the app) attaches to it at no load cost. */
  loaded = 1;
#endif
}

/* ---- a job's passes ------------------------------------------------------ */

/*
 * The id of a kernel pointer in this job: a keyed hash of it, 31 bits and
 * never 0 (0 stays 0). Equal pointers have equal ids, so different ids are
 * different open files; equal ids may be two pointers (a collision, about
 * one pair in a capture of 27,000 files), as they may be one pointer freed
 * and reused between two reads: an id is a candidate for kcmp to prove,
 * never proof (build.ts). No map to grow and no lock, and no address
 * leaves this file: the key is the job's, random.
 */
static int32_t snap_id(const snap_t *s, uint64_t ptr) {
  if (!ptr) return 0;
  uint64_t v = ptr ^ s->key;
  v ^= v >> 33;
  v *= 0xff51afd7ed558ccdull;
  v ^= v >> 33;
  v *= 0xc4ceb9fe1a85ec53ull;
  v ^= v >> 33;
  uint32_t id = (uint32_t)v & 0x7fffffffu;
  return id ? (int32_t)id : 1;
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
  if (getrandom(&s->key, sizeof s->key, GRND_NONBLOCK) != (ssize_t)sizeof s->key) {
    /* No entropy yet (early boot): the clock will do; ids only need to hide pointers. */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    s->key = ((uint64_t)t.tv_sec << 32) ^ (uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 16);
  }
  return s;
}

void snap_close(snap_t *s) {
  if (!s) return;
  free(s);
}

void snap_buf_free(snap_buf_t *b) {
  free(b->p);
  free(b->recs);
  memset(b, 0, sizeof *b);
}

int snap_task(snap_t *s, int tid, int light, snap_buf_t *b, const snap_rec_t *const **out) {
  if (tid <= 0) return 0;
  b->n = 0;
  pthread_mutex_lock(&pass_mu);
#ifdef PROCFD_BPF
  int link = attach_task(tid, light);
#else
  int link = -1;
  errno = ENOSYS;
#endif
  int attach_err = link >= 0 ? 0 : errno;
  int it = -1;
  if (link >= 0) {
#ifdef PROCFD_BPF
    it = iter_create(link);
#endif
    close(link); /* the iterator holds what it needs */
  }
  int err = link < 0 || it < 0;
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
  for (size_t i = 0; i < b->nrecs; i++) {
    snap_rec_t *r = (snap_rec_t *)b->recs[i];
    r->file = (uint64_t)snap_id(s, r->file);
    r->files = (uint64_t)snap_id(s, r->files);
  }
  *out = b->recs;
  return (int)b->nrecs;
}
