/*
 * procfd: the hot loop of a live capture in C, on threads of its own.
 *
 * A capture of every process spends most of its time in the kernel: an
 * openat/read/close of fdinfo, one readlinkat and one statx per fd. From
 * JavaScript each of those also costs a trip through an FFI call, a
 * string and garbage; here it costs the syscall alone, and the processes
 * are read by several threads while the JavaScript thread classifies the
 * ones already read.
 *
 * It does exactly what src-main/sources/proc/raw-read.ts does (that file
 * stays as the fallback where this addon cannot be built or loaded, and a
 * test holds the two to the same output) and interprets nothing: the
 * classify/ modules do. Node-API only, so one build loads in Node and in
 * Electron alike.
 *
 * JavaScript side: procfd-reader.ts.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <time.h>
#include <sys/xattr.h>
#include "bpf-snapshot.h"
#include "exit-early.h"
#include "prefault.h"
#include "sha256.h"
#include "handle.h"
#include <unistd.h>

/* ---- growable byte and value arrays ------------------------------------ */

typedef struct {
  char *p;
  size_t n, cap;
} buf_t;

static int buf_reserve(buf_t *b, size_t more) {
  if (b->n + more <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->n + more) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) return -1;
  b->p = p;
  b->cap = cap;
  return 0;
}

static int buf_put(buf_t *b, const void *src, size_t n) {
  if (buf_reserve(b, n)) return -1;
  memcpy(b->p + b->n, src, n);
  b->n += n;
  return 0;
}

static void buf_free(buf_t *b) {
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
}

/* ---- what one process yields (mirrors RawProc in raw-read.ts) ---------- */

typedef struct {
  int err; /* errno */
  int pid, fd;
  char *where;
  const char *message;
  char *own; /* message, when made for this record (freed with it) */
} rerr_t;

typedef struct {
  int tid;
  int have_stat;
  buf_t stat;
} rthread_t;

#define NS_COUNT 8
static const char *const NS_TYPES[NS_COUNT] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
#define NS_MNT 2 /* NS_TYPES[NS_MNT] */

typedef struct {
  int n;
  buf_t fd;     /* int32 per fd */
  buf_t i32;    /* 4 x int32 per fd: flags, mnt_id, st_mode, st_nlink */
  buf_t f64;    /* 7 x double per fd: dev, ino, rdev, size, pos, fdinfo ino, blocks (-1: not given) */
  buf_t statted, ascii;
  buf_t links;  /* link bytes, back to back */
  buf_t linkOff; /* int32 per fd + 1 */
  buf_t extras;
  buf_t extraOff;
  buf_t fid; /* int32 per fd: its open file's id in the BPF snapshot, 0 without one */
  buf_t big; /* (int32 slot, 24 bytes of decimal text) per value above 2^53 */
} rfds_t;

typedef struct rproc {
  struct rproc *next;
  int pid;
  int have_stat, have_status, have_cmdline, have_cwd, have_root, have_fds, have_nofile;
  buf_t stat, status, cmdline, cwd, root, nofile;
  int ns_have[NS_COUNT];
  buf_t ns[NS_COUNT];
  rthread_t *threads;
  int nthreads, cap_threads;
  rfds_t fds;
  rerr_t *errors;
  int nerrors, cap_errors;
  int oom;
} rproc_t;

static void add_error(rproc_t *rp, int err, int fd, const char *where, const char *message) {
  if (rp->nerrors == rp->cap_errors) {
    int cap = rp->cap_errors ? rp->cap_errors * 2 : 4;
    rerr_t *e = realloc(rp->errors, cap * sizeof *e);
    if (!e) {
      rp->oom = 1;
      return;
    }
    rp->errors = e;
    rp->cap_errors = cap;
  }
  rerr_t *e = &rp->errors[rp->nerrors++];
  e->err = err;
  e->pid = rp->pid;
  e->fd = fd;
  e->where = strdup(where);
  e->message = message;
  e->own = NULL;
}

/* An error record whose message is made for it (it names values). */
static void add_error_own(rproc_t *rp, int err, int fd, const char *where, const char *message) {
  char *own = strdup(message);
  if (!own) {
    rp->oom = 1;
    return;
  }
  int before = rp->nerrors;
  add_error(rp, err, fd, where, own);
  if (rp->nerrors > before)
    rp->errors[before].own = own;
  else
    free(own);
}

static void free_fds(rfds_t *t) {
  buf_free(&t->fd);
  buf_free(&t->i32);
  buf_free(&t->f64);
  buf_free(&t->statted);
  buf_free(&t->ascii);
  buf_free(&t->links);
  buf_free(&t->linkOff);
  buf_free(&t->extras);
  buf_free(&t->extraOff);
  buf_free(&t->fid);
  buf_free(&t->big);
}

static void free_proc(rproc_t *rp) {
  buf_free(&rp->stat);
  buf_free(&rp->status);
  buf_free(&rp->cmdline);
  buf_free(&rp->nofile);
  buf_free(&rp->cwd);
  buf_free(&rp->root);
  for (int i = 0; i < NS_COUNT; i++) buf_free(&rp->ns[i]);
  for (int i = 0; i < rp->nthreads; i++) buf_free(&rp->threads[i].stat);
  free(rp->threads);
  free_fds(&rp->fds);
  for (int i = 0; i < rp->nerrors; i++) {
    free(rp->errors[i].where);
    free(rp->errors[i].own);
  }
  free(rp->errors);
  free(rp);
}

/* ---- reading ------------------------------------------------------------ */

/* Per reader thread: statx of one representative per pseudo-filesystem
 * link prefix (pipe:, socket:, anon_inode:[kind]). Those fields are the
 * filesystem's, not the file's, so one statx serves every such fd. */
#define PSEUDO_MAX 64
typedef struct {
  char key[64];
  double dev;
  int mode, nlink;
  int have_mnt; /* mnt_id: its file system's mount (anon_inodefs and pidfs differ) */
  uint32_t mnt_id;
} pseudo_t;

struct worker;

typedef struct {
  pseudo_t pseudo[PSEUDO_MAX];
  int npseudo;
  buf_t io; /* file contents scratch */
  snap_buf_t sbuf, sbuf2; /* a task's records from the BPF snapshot: its first pass, its second */
  struct worker *w;
  /* The fds being read are of a process in this one's mount namespace: their
   * paths name files here, and path_elsewhere may look them up. */
  int path_check;
} reader_t;

static void set_current_fd(reader_t *rd, int fd);
static const char *errno_name(int e, char *num);

/* Whole small /proc file; -1 (errno set) on failure.
 * single: the file is a single-record seq_file (single_open: fdinfo, stat,
 * status), whose one record a read hands over whole when it fits, so a
 * short read is the end and the read that would return 0 (a syscall per
 * fd, about a tenth of a capture's) is skipped. Multi-record seq_files
 * (/proc/net/...) stop a read short at a record that does not fit: never
 * single. */
static int read_all(int h, buf_t *into, int single) {
  into->n = 0;
  for (;;) {
    if (buf_reserve(into, 4096)) {
      errno = ENOMEM;
      return -1;
    }
    size_t want = into->cap - into->n;
    ssize_t r = read(h, into->p + into->n, want);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return 0;
    into->n += (size_t)r;
    if (single && (size_t)r < want) return 0;
  }
}

static int read_file(rproc_t *rp, const char *path, buf_t *into, int quiet, int single) {
  int h = open(path, O_RDONLY | O_CLOEXEC);
  if (h < 0) {
    if (!quiet) add_error(rp, errno, -1, path, "cannot open");
    return 0;
  }
  if (read_all(h, into, single) < 0) {
    if (!quiet) add_error(rp, errno, -1, path, "cannot read");
    close(h);
    buf_free(into);
    return 0;
  }
  close(h);
  return 1;
}

static int read_link(int dirfd, const char *name, buf_t *into) {
  char l[4097];
  ssize_t n = readlinkat(dirfd, name, l, sizeof l);
  if (n < 0) return 0;
  into->n = 0;
  if (buf_put(into, l, (size_t)n)) {
    errno = ENOMEM;
    return 0;
  }
  return 1;
}

#define MAX_SAFE 9007199254740991ULL

/* A u64 into its f64 slot; above 2^53 the slot is NaN and the exact
 * decimal goes to big, as raw-read.ts's put() does. */
static void put_u64(rfds_t *t, int slot, uint64_t v) {
  double *f = (double *)t->f64.p;
  if (v <= MAX_SAFE) {
    f[slot] = (double)v;
    return;
  }
  f[slot] = __builtin_nan("");
  char rec[28];
  memset(rec, 0, sizeof rec);
  memcpy(rec, &slot, 4);
  snprintf(rec + 4, 24, "%llu", (unsigned long long)v);
  if (buf_put(&t->big, rec, sizeof rec)) f[slot] = 0; /* out of memory: better 0 than a NaN with no value */
}

static void put_num(rfds_t *t, int slot, double v) { ((double *)t->f64.p)[slot] = v; }

/* Number in s[i..end) after blanks, in base 8 or 10; *stop is set past it. */
static uint64_t parse_num(const char *s, size_t i, size_t end, int base, size_t *stop) {
  while (i < end && (s[i] == '\t' || s[i] == ' ')) i++;
  uint64_t v = 0;
  while (i < end && s[i] >= '0' && s[i] <= '9') v = v * (uint64_t)base + (uint64_t)(s[i++] - '0');
  *stop = i;
  return v;
}

/* The kinds of anon inode fdinfo names by its first line of their own
 * (after any "lock:" lines): that line's file must have that link. The
 * `always` ones print it whatever their state, so their link without it
 * is of another file's fdinfo. raw-read.ts holds the same table. */
static const struct {
  const char *marker, *link;
  int always;
} FDINFO_KINDS[] = {
    {"eventfd-count:", "anon_inode:[eventfd]", 1}, {"clockid:", "anon_inode:[timerfd]", 1},
    {"sigmask:", "anon_inode:[signalfd]", 1},      {"Pid:", "anon_inode:[pidfd]", 1},
    {"pending:", "anon_inode:[userfaultfd]", 1},   {"fanotify flags:", "anon_inode:[fanotify]", 1},
    {"tfd:", "anon_inode:[eventpoll]", 0},         {"inotify wd:", "anon_inode:inotify", 0},
    {"SqMask:", "anon_inode:[io_uring]", 0},
};
#define NKINDS (sizeof FDINFO_KINDS / sizeof FDINFO_KINDS[0])

/* Do the link and the kind's fdinfo lines (x[0..n)) belong to one file? */
static int kind_agrees(const char *link, size_t ln, const char *x, size_t n) {
  size_t i = 0;
  while (n - i >= 5 && memcmp(x + i, "lock:", 5) == 0) {
    while (i < n && x[i] != '\n') i++;
    if (i < n) i++;
  }
  int said = -1;
  for (size_t k = 0; k < NKINDS && said < 0; k++) {
    size_t ml = strlen(FDINFO_KINDS[k].marker);
    if (n - i >= ml && memcmp(x + i, FDINFO_KINDS[k].marker, ml) == 0) said = (int)k;
  }
  if (said >= 0) return ln == strlen(FDINFO_KINDS[said].link) && memcmp(link, FDINFO_KINDS[said].link, ln) == 0;
  for (size_t k = 0; k < NKINDS; k++)
    if (FDINFO_KINDS[k].always && ln == strlen(FDINFO_KINDS[k].link) && memcmp(link, FDINFO_KINDS[k].link, ln) == 0) return 0;
  return 1;
}

/* The N of a pseudo-filesystem link "socket:[N]", "pipe:[N]", "net:[N]":
 * the inode number. 0 when the link is not of that form. */
static int bracket_ino(const char *link, size_t ln, uint64_t *ino) {
  if (ln < 4 || link[0] == '/' || link[ln - 1] != ']') return 0;
  size_t c = 0;
  while (c < ln && link[c] != ':') c++;
  if (c + 2 >= ln || link[c + 1] != '[' || link[c + 2] < '0' || link[c + 2] > '9') return 0;
  uint64_t v = 0;
  size_t q = c + 2;
  for (; q < ln - 1; q++) {
    if (link[q] < '0' || link[q] > '9') return 0;
    v = v * 10 + (uint64_t)(link[q] - '0');
  }
  *ino = v;
  return 1;
}

/* Reads of one fd that found it changed under them (closed and reopened as
 * another file), before it is left out; readings in a row (so in both
 * orders) that found it disagree with itself the same way, with the same
 * link, before that is taken as the kernel's. */
#define FD_TRIES 4
#define FD_SAME_TRIES 8
/* A path link read with fdinfo and statx over more than this (from the
 * first of the three reads to the last) may be of another file than both:
 * in that time the fd could have been closed and reopened twice, back to a
 * file of the same inode (A, B, A), which no check of one read against
 * another sees. Its link and statx are read again, quickly: the same link
 * and inode again vouch for the first link, as do FD_SLOW_ALIKE second
 * looks in a row that found them the same, only slowly (a file system
 * whose getattr is slow). Else the fd is read again, up to FD_SLOW_TRIES
 * readings, then left out. */
#define FD_WINDOW_NS 100000
#define FD_SLOW_TRIES 8
#define FD_SLOW_ALIKE 3

/* Test hooks, the job's (after struct job): CKPT_TEST_SLOW_STAT_US and
 * CKPT_TEST_LINK_SWAP. */
static void slow_stat(reader_t *rd);
static void link_swapped(reader_t *rd, char *link, ssize_t *ln);

/* statx of fd `name` in its fd directory (and the test's pause, after one that succeeded: errno stays untouched). */
static int fd_statx(reader_t *rd, int dfd, const char *name, unsigned mask, struct statx *sx) {
  int r = statx(dfd, name, 0, mask, sx);
  if (r == 0) slow_stat(rd);
  return r;
}

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The link and statx read again: are they `link` and `sx`'s inode again
 * within FD_WINDOW_NS, so that link was of that inode's file? Read up to
 * FD_SLOW_ALIKE times while they are the same but slow (a reader
 * preempted again, or a file system whose getattr is slow: NFS without
 * attribute caching, FUSE); the same every time is taken too. */
static int link_vouched(reader_t *rd, int dfd, const char *name, const char *link, ssize_t ln, const struct statx *sx) {
  char again[4097];
  struct statx sx2;
  for (int i = 0; i < FD_SLOW_ALIKE; i++) {
    int64_t t0 = now_ns();
    ssize_t ln2 = readlinkat(dfd, name, again, sizeof again);
    if (ln2 != ln || fd_statx(rd, dfd, name, STATX_BASIC_STATS, &sx2) != 0) return 0;
    if (memcmp(again, link, (size_t)ln) != 0 || sx2.stx_ino != sx->stx_ino || sx2.stx_dev_major != sx->stx_dev_major ||
        sx2.stx_dev_minor != sx->stx_dev_minor)
      return 0;
    if (now_ns() - t0 <= FD_WINDOW_NS) return 1;
  }
  return 1;
}

/* Whether the path a link names is now another file than the one its fd's
 * statx found (its inode there, into *ino): the link then was read from
 * another file than the statx, however close together, since a path names
 * one file at a time. fdinfo and statx bracket the link and hold each
 * other to one inode, yet a process that closes and reopens an fd every
 * microsecond can have fdinfo and statx both read file A and the link
 * between them read B (A, B, A); this catches it. No evidence (0) for a
 * name that is not a path or is gone (" (deleted)", renamed): the other
 * checks stand alone there. Asked only of a process in this one's mount
 * namespace (same_mount_ns). The last component is not automounted nor,
 * if a symlink, followed (an O_PATH fd may be one). */
static int path_elsewhere(const char *link, ssize_t ln, const struct statx *sx, unsigned long long *ino) {
  static const char DEL[] = " (deleted)";
  const ssize_t dl = (ssize_t)sizeof DEL - 1;
  if (ln <= 0 || ln > 4096 || link[0] != '/' || (ln >= dl && memcmp(link + ln - dl, DEL, (size_t)dl) == 0)) return 0;
  char p[4097];
  memcpy(p, link, (size_t)ln);
  p[ln] = 0;
  struct statx px;
  if (statx(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_INO, &px) != 0 || !(px.stx_mask & STATX_INO)) return 0;
  if (px.stx_ino == sx->stx_ino && px.stx_dev_major == sx->stx_dev_major && px.stx_dev_minor == sx->stx_dev_minor) return 0;
  *ino = (unsigned long long)px.stx_ino;
  return 1;
}

/* A pause of 0-20 us before an fd is read again: readings a fixed time
 * apart can keep step with a process that switches the fd between two
 * files, and find the same two each time. */
static void retry_jitter(void) {
  static __thread unsigned seed;
  if (!seed) seed = (unsigned)now_ns() | 1;
  int64_t until = now_ns() + (int64_t)(rand_r(&seed) % 20000);
  while (now_ns() < until) {
  }
}

/*
 * One fd: fdinfo, then the link, then the target's statx where it says
 * something. An fd number can be closed and reopened as another file
 * between any two of those reads, so each record is checked to be of one
 * file before it is kept: fdinfo's ino and mnt_id against statx's (the two
 * reads bracket the link), the [N] of a socket:/pipe:/ns link against
 * fdinfo's ino, an anon inode's fdinfo mnt_id against its kind's, and the
 * kind fdinfo's own lines name against the link. A record that fails is
 * read again after a short random pause, every second time in the other
 * order (statx, the link, then fdinfo): one that fails FD_SAME_TRIES
 * readings in a row the same way with the same link is the kernel's (a
 * file system whose stat ino is not its inode's), else it is left out
 * with an EAGAIN record once it has failed differently and been read
 * FD_TRIES times. Readings that fall into step with a process switching
 * the fd between files fail alike; the other order and the pauses break
 * the step. A reading that took long is vouched for or read again
 * (FD_WINDOW_NS). Kernels before 5.14 print no fdinfo ino: only the mount
 * and kind checks apply there.
 */
typedef struct {
  uint64_t pos, ino;
  uint32_t flags, mnt;
  int have_ino, have_mnt;
  size_t rest; /* where the kind's own lines begin */
} fdinfo_head_t;

/* fdinfo's common lines: pos, flags (octal), mnt_id, ino. */
static void parse_head(const char *b, size_t n, fdinfo_head_t *h) {
  memset(h, 0, sizeof *h);
  size_t i = 0;
  for (int line = 0; line < 4 && i < n; line++) {
    size_t c = i;
    while (c < n && b[c] != ':') c++;
    size_t len = c - i;
    char ch = b[i];
    int which = ch == 'p' && len == 3 ? 0 : ch == 'f' && len == 5 ? 1 : ch == 'm' && len == 6 ? 2 : ch == 'i' && len == 3 ? 3 : -1;
    if (which < 0) break;
    size_t stop, at = c + 1;
    while (at < n && (b[at] == '\t' || b[at] == ' ')) at++;
    /* pos is a loff_t, printed signed: negative after a seek far into
     * /proc/PID/mem. Kept as its 64 bits (the u64 the image holds), as the
     * snapshot's s64 is. */
    int neg = which == 0 && at < n && b[at] == '-';
    uint64_t v = parse_num(b, at + (size_t)neg, n, which == 1 ? 8 : 10, &stop);
    if (neg) v = (uint64_t)0 - v;
    if (which == 0)
      h->pos = v;
    else if (which == 1)
      h->flags = (uint32_t)v;
    else if (which == 2) {
      h->mnt = (uint32_t)v;
      h->have_mnt = 1;
    } else {
      h->have_ino = 1;
      h->ino = v;
    }
    while (stop < n && b[stop] != '\n') stop++;
    i = stop + 1;
  }
  h->rest = i > n ? n : i;
}

/* Does a snapshot record say what fdinfo's common lines say? Then it is of
 * the same open file, read a moment apart, and its link can stand for
 * readlink's. */
static int snap_agrees(const snap_rec_t *sr, const fdinfo_head_t *h) {
  return sr && (sr->plen > 0 || sr->plen == -ENAMETOOLONG) && h->have_ino && h->have_mnt && h->pos == (uint64_t)sr->pos &&
         h->flags == sr->flags && h->mnt == sr->mnt_id && h->ino == sr->ino;
}

/*
 * A kind's own fdinfo lines, printed from a snapshot record's figures as
 * the kernel prints them (eventfd_show_fdinfo, unix_show_fdinfo); 0 when
 * the record has none. Formats change between kernels, so a job takes
 * them only once one fd of the kind has been read from /proc as well and
 * printed the same (own_check).
 */
static size_t own_lines(const snap_rec_t *sr, char *out, size_t cap, int skew) {
  int n = 0;
  if (skew && cap > 1) {
    /* As another format would differ: a line this reader does not print. */
    *out++ = '#';
    cap--;
  }
  if (sr->own == SNAP_OWN_EVENTFD)
    n = snprintf(out, cap, "eventfd-count: %16llx\neventfd-id: %d\neventfd-semaphore: %d\n", (unsigned long long)sr->own_count, sr->own_id,
                 (sr->own_flags & 1) != 0);
  else if (sr->own == SNAP_OWN_UNIX)
    n = snprintf(out, cap, "scm_fds: %u\n", (unsigned)sr->own_count);
  return n > 0 && (size_t)n < cap ? (size_t)n + (skew != 0) : 0;
}

/* An fd's fdinfo into rd->io, its common lines into *hd; 0 (with an
 * error record) when it cannot be read: the fd is gone. */
static int read_fdinfo(reader_t *rd, rproc_t *rp, int ifd, const char *infoDir, const char *name, int fdn, fdinfo_head_t *hd) {
  char where[4200];
  int h = openat(ifd, name, O_RDONLY | O_CLOEXEC);
  if (h < 0) {
    int e = errno;
    snprintf(where, sizeof where, "%s/%s", infoDir, name);
    add_error(rp, e, fdn, where, "cannot open fdinfo");
    return 0;
  }
  if (read_all(h, &rd->io, 1) < 0) {
    int e = errno;
    close(h);
    snprintf(where, sizeof where, "%s/%s", infoDir, name);
    add_error(rp, e, fdn, where, "cannot read fdinfo");
    return 0;
  }
  close(h);
  parse_head(rd->io.p, rd->io.n, hd);
  return 1;
}

static int own_state(reader_t *rd, int kind);
static void read_gap(reader_t *rd);
static int read_gap_at(reader_t *rd);
static size_t own_take(reader_t *rd, const snap_rec_t *sr, char *out, size_t cap);
static int stat_take(reader_t *rd, const snap_rec_t *sr, struct statx *sx);
static void stat_check(reader_t *rd, const snap_rec_t *sr, const struct statx *sx);
static void own_check(reader_t *rd, const snap_rec_t *sr, const char *procs, size_t n);

static void read_one_fd(reader_t *rd, rproc_t *rp, const char *fdDir, const char *infoDir, int dfd, int ifd, int fdn,
                        const snap_rec_t *sr) {
  rfds_t *t = &rp->fds;
  char name[16], where[4200], why[320], prev[320];
  snprintf(name, sizeof name, "%d", fdn);
  char link[4097];
  int same = 1, slow = 0;
  prev[0] = 0;
  char prevlink[4097]; /* the link of the last failed reading */
  ssize_t prevln = -1;
  /* The snapshot's record stands for fdinfo and the link when fdinfo has
   * nothing more to say, and for the link when fdinfo's common lines agree
   * with it; the checks below hold it to the statx as they hold /proc's
   * reads, and a record they fail is read from /proc. */
  int use_snap = sr && !sr->more && (sr->plen > 0 || sr->plen == -ENAMETOOLONG);
  /* A kind's own lines from the record (own_lines), once the job knows
   * they print as /proc's; until then the fd is read from /proc, and the
   * first of its kind checks them. */
  char own[160];
  size_t ownlen = 0;
  int checking = 0;
  if (use_snap && sr->own) {
    int st = own_state(rd, (int)sr->own);
    if (st == 1) ownlen = own_take(rd, sr, own, sizeof own);
    if (!ownlen) {
      use_snap = 0;
      checking = st == 0;
    }
  }
  for (int attempt = 1;; attempt++) {
    const char *b = NULL;
    size_t n = 0;
    fdinfo_head_t hd;
    ssize_t ln;
    int link_err;
    int snap_link = 0; /* the link is the snapshot's */
    /* Every second read of an fd that changed: statx, the link, fdinfo. */
    int reverse = !use_snap && attempt % 2 == 0;
    struct statx pre;
    int pre_ok = 0, pre_err = 0;
    int64_t t0 = 0, t1 = 0; /* the reads' window (FD_WINDOW_NS) */
    if (use_snap) {
      b = own;
      n = ownlen;
      memset(&hd, 0, sizeof hd);
      hd.pos = (uint64_t)sr->pos;
      hd.flags = sr->flags;
      hd.mnt = sr->mnt_id;
      hd.ino = sr->ino;
      hd.have_ino = hd.have_mnt = 1;
      snap_link = 1;
    } else if (reverse) {
      t0 = now_ns();
      if (fd_statx(rd, dfd, name, STATX_BASIC_STATS | STATX_MNT_ID, &pre) == 0)
        pre_ok = 1;
      else
        pre_err = errno;
    } else {
      /* No clock read for a snapshot record, whose link then mostly comes from it:
       * one whose /proc fdinfo disagrees with it (t0 0) is always vouched for. */
      if (!sr) t0 = now_ns();
      if (!read_fdinfo(rd, rp, ifd, infoDir, name, fdn, &hd)) return;
      snap_link = attempt == 1 && snap_agrees(sr, &hd);
      if (checking && snap_link) own_check(rd, sr, rd->io.p + hd.rest, rd->io.n - hd.rest);
      checking = 0;
    }
    /* CKPT_TEST_READ_GAP_US: one pause in an fd's first reading, before its link or after. */
    int gap_at = !use_snap && attempt == 1 ? read_gap_at(rd) : -1;
    if (gap_at == 0) read_gap(rd);
    if (snap_link) {
      link_err = sr->plen > 0 ? 0 : ENAMETOOLONG;
      ln = sr->plen > 0 ? sr->plen - 1 : 0;
      if (ln > 0) memcpy(link, snap_path(sr), (size_t)ln);
    } else {
      ln = readlinkat(dfd, name, link, sizeof link);
      if (attempt == 1) link_swapped(rd, link, &ln);
      if (!reverse) t1 = now_ns();
      /* A name longer than PATH_MAX (ENAMETOOLONG) cannot be read back, yet
       * the fd is there: kept, with the name not known. Any other failure
       * (ENOENT, EBADF: the fd was closed after fdinfo was read) leaves it
       * out: what fdinfo said may be of a file it no longer is. */
      link_err = ln < 0 ? errno : 0;
      if (link_err && link_err != ENAMETOOLONG) {
        snprintf(where, sizeof where, "%s/%s", fdDir, name);
        add_error(rp, link_err, fdn, where, "cannot read link");
        return;
      }
    }
    if (link_err) {
      /* NUL and the errno name: no link the kernel gives holds a NUL (raw-read.ts, RawFdTable.link). */
      char num[16];
      const char *en = errno_name(link_err, num);
      link[0] = 0;
      size_t el = strlen(en);
      memcpy(link + 1, en, el);
      ln = (ssize_t)el + 1;
    }
    if (gap_at == 1) read_gap(rd);
    if (reverse) {
      if (!read_fdinfo(rd, rp, ifd, infoDir, name, fdn, &hd)) return;
      t1 = now_ns();
    }
    /* An io_uring prints its part of fdinfo only when it gets the ring's lock
     * without waiting (kernel 6.x): a second reader of the same ring (a
     * forked child's fd, read by our other thread) or the ring's own users
     * leave it empty. Read it again a few times before keeping it so. */
    static const char IOU[] = "anon_inode:[io_uring]";
    for (int tries = 0; tries < 20 && !use_snap && !link_err && ln == (ssize_t)sizeof IOU - 1 && memcmp(link, IOU, sizeof IOU - 1) == 0 &&
                        !memmem(rd->io.p, rd->io.n, "SqMask", 6);
         tries++) {
      sched_yield();
      int again = openat(ifd, name, O_RDONLY | O_CLOEXEC);
      if (again < 0) break;
      int bad = read_all(again, &rd->io, 1) < 0;
      close(again);
      if (bad) break;
      parse_head(rd->io.p, rd->io.n, &hd);
    }
    if (!use_snap) {
      b = rd->io.p;
      n = rd->io.n;
    }
    uint64_t pos = hd.pos, inoU = hd.ino;
    uint32_t flags = hd.flags, mnt = hd.mnt;
    int have_ino = hd.have_ino, have_mnt = hd.have_mnt;
    size_t i = hd.rest;

    /* Pseudo-filesystem links (pipe:, socket:, anon_inode:, ns) share one
     * statx per prefix; anon inodes key by the whole link:
     * "anon_inode:[pidfd]" lives on pidfs, the others on anon_inodefs. */
    char key[64];
    int keyed = 0;
    if (!link_err && ln > 0 && link[0] != '/') {
      ssize_t colon = 0;
      while (colon < ln && link[colon] != ':') colon++;
      size_t klen = (size_t)colon;
      if (colon < ln && klen == 10 && memcmp(link, "anon_inode", 10) == 0) klen = (size_t)ln;
      if (klen < sizeof key) {
        memcpy(key, link, klen);
        key[klen] = 0;
        keyed = 1;
      }
    }
    pseudo_t *known = NULL;
    if (keyed)
      for (int p = 0; p < rd->npseudo; p++)
        if (strcmp(rd->pseudo[p].key, key) == 0) {
          known = &rd->pseudo[p];
          break;
        }
    struct statx sx;
    int st_ok = 0, st_err = 0;
    /* stat's figures from the record, where it has them (an ext4 inode
     * whose getattr adds nothing) and the job trusts them (stat_take);
     * until then a statx, held to them (stat_check). */
    int from_rec = snap_link && sr->st_ok && !link_err;
    if (!known) {
      if (reverse) {
        /* Taken first this time; for a pseudo-file link (known) it is not used, as it would not be read. */
        st_ok = pre_ok;
        st_err = pre_err;
        if (pre_ok) sx = pre;
      } else if (from_rec && stat_take(rd, sr, &sx))
        st_ok = 1;
      else if (fd_statx(rd, dfd, name, STATX_BASIC_STATS | STATX_MNT_ID, &sx) == 0) {
        st_ok = 1;
        if (from_rec) stat_check(rd, sr, &sx);
      } else
        st_err = errno;
      if (!reverse && !snap_link) t1 = now_ns();
    }
    /* Taken first, it may have failed in a gap the fd was reopened in: read it again, the other way. */
    if (reverse && (st_err == ENOENT || st_err == EBADF)) continue;
    if (st_err == ENOENT || st_err == EBADF) {
      /* Closed while it was read. */
      snprintf(where, sizeof where, "%s/%s", fdDir, name);
      add_error(rp, st_err, fdn, where, "cannot stat target: the fd was closed, not recorded");
      return;
    }

    /* One file throughout? */
    why[0] = 0;
    uint64_t lino;
    unsigned long long pino;
    /* The link as the message says it: printable ASCII, any other byte '?'
     * (raw-read.ts does the same), so a name's bytes never reach a message raw. */
    int pl = ln > 100 ? 100 : (int)ln;
    char shown[101];
    for (int q = 0; q < pl; q++) shown[q] = (unsigned char)link[q] >= 0x20 && (unsigned char)link[q] < 0x7f ? link[q] : '?';
    shown[pl] = 0;
    if (have_ino && !link_err && bracket_ino(link, (size_t)ln, &lino) && lino != inoU)
      snprintf(why, sizeof why, "its link %.*s, its fdinfo inode %llu", pl, shown, (unsigned long long)inoU);
    else if (st_ok && have_ino && sx.stx_ino != inoU)
      snprintf(why, sizeof why, "inode %llu in fdinfo, %llu at its stat", (unsigned long long)inoU, (unsigned long long)sx.stx_ino);
    else if (st_ok && have_mnt && (sx.stx_mask & STATX_MNT_ID) && sx.stx_mnt_id != mnt)
      snprintf(why, sizeof why, "mount %u in fdinfo, %llu at its stat", mnt, (unsigned long long)sx.stx_mnt_id);
    else if (known && known->have_mnt && have_mnt && known->mnt_id != mnt)
      snprintf(why, sizeof why, "its link %.*s, its fdinfo mount %u", pl, shown, mnt);
    else if (!link_err && !kind_agrees(link, (size_t)ln, b + i, n - i))
      snprintf(why, sizeof why, "its link %.*s, its fdinfo of another kind", pl, shown);
    else if (rd->path_check && st_ok && !known && !snap_link && !link_err && path_elsewhere(link, ln, &sx, &pino))
      snprintf(why, sizeof why, "its link %.*s, inode %llu at that path", pl, shown, pino);
    if (why[0] && snap_link) {
      /* Changed since the snapshot: read it as /proc has it now. */
      use_snap = 0;
      sr = NULL;
      attempt = 0;
      continue;
    }
    if (why[0]) {
      same = same && (attempt == 1 || (strcmp(why, prev) == 0 && ln == prevln && memcmp(link, prevlink, (size_t)ln) == 0));
      memcpy(prev, why, sizeof prev);
      memcpy(prevlink, link, (size_t)ln);
      prevln = ln;
      if (attempt < (same ? FD_SAME_TRIES : FD_TRIES)) {
        retry_jitter();
        continue;
      }
      if (!same) {
        char msg[400];
        snprintf(where, sizeof where, "%s/%s", fdDir, name);
        snprintf(msg, sizeof msg, "fd %d was closed and reopened while it was read (%s): not recorded", fdn, why);
        add_error_own(rp, EAGAIN, fdn, where, msg);
        return;
      }
      /* The same every time: not a race, the kernel's own figures. */
    } else if (st_ok && !known && !snap_link && !link_err && t1 - t0 > FD_WINDOW_NS) {
      if (!link_vouched(rd, dfd, name, link, ln, &sx)) {
        /* Not one disagreement every time: no longer the kernel's own. */
        same = 0;
        slow++;
        if (attempt < FD_SLOW_TRIES) continue;
        char msg[400];
        snprintf(where, sizeof where, "%s/%s", fdDir, name);
        snprintf(msg, sizeof msg,
                 "fd %d may have been closed and reopened while it was read (%d of its readings took over %d us, time for that): not recorded",
                 fdn, slow, FD_WINDOW_NS / 1000);
        add_error_own(rp, EAGAIN, fdn, where, msg);
        return;
      }
    }

    /* Kept. */
    if (link_err) {
      snprintf(where, sizeof where, "%s/%s", fdDir, name);
      /* NAME_NOT_READABLE in src-shared/model/describe.ts: show looks for it. */
      add_error(rp, link_err, fdn, where, "cannot read link: the fd is kept, its name not known");
    }
    int k = t->n++;
    /* The open file's id in the snapshot: taken from it, or read from /proc
     * just as it has it (a kind whose fdinfo says more). */
    int fid = snap_link ? (int)sr->file : 0;
    ((int32_t *)t->fid.p)[k] = fid;
    int32_t *i32 = (int32_t *)t->i32.p + (size_t)k * 4;
    int b6 = k * 7;
    ((int32_t *)t->fd.p)[k] = fdn;
    unsigned char ascii = 1;
    for (ssize_t q = 0; q < ln; q++)
      if ((unsigned char)link[q] >= 0x80) {
        ascii = 0;
        break;
      }
    ((unsigned char *)t->ascii.p)[k] = ascii;
    if (buf_put(&t->links, link, (size_t)ln)) rp->oom = 1;
    ((int32_t *)t->linkOff.p)[k + 1] = (int32_t)t->links.n;
    i32[0] = (int32_t)flags;
    i32[1] = (int32_t)mnt;
    put_u64(t, b6 + 4, pos);
    if (!have_ino)
      put_num(t, b6 + 5, -1);
    else
      put_u64(t, b6 + 5, inoU);
    if (i < n && buf_put(&t->extras, b + i, n - i)) rp->oom = 1;
    ((int32_t *)t->extraOff.p)[k + 1] = (int32_t)t->extras.n;
    if (known) {
      ((unsigned char *)t->statted.p)[k] = 1;
      put_num(t, b6, known->dev);
      i32[2] = known->mode;
      i32[3] = known->nlink;
      if (!have_ino)
        put_num(t, b6 + 1, -1);
      else
        put_u64(t, b6 + 1, inoU);
      put_num(t, b6 + 2, 0);
      put_num(t, b6 + 3, 0);
      put_num(t, b6 + 6, 0);
    } else if (st_ok) {
      ((unsigned char *)t->statted.p)[k] = 1;
      double dev = (double)makedev(sx.stx_dev_major, sx.stx_dev_minor);
      i32[2] = sx.stx_mode;
      i32[3] = (int32_t)sx.stx_nlink;
      put_num(t, b6, dev);
      put_u64(t, b6 + 1, sx.stx_ino);
      put_num(t, b6 + 2, (double)makedev(sx.stx_rdev_major, sx.stx_rdev_minor));
      put_u64(t, b6 + 3, sx.stx_size);
      /* st_blocks: what the file holds of the disk (a sparse one far less than its size); not every filesystem gives it. */
      if (sx.stx_mask & STATX_BLOCKS)
        put_u64(t, b6 + 6, sx.stx_blocks);
      else
        put_num(t, b6 + 6, -1);
      if (keyed && rd->npseudo < PSEUDO_MAX) {
        pseudo_t *p = &rd->pseudo[rd->npseudo++];
        strcpy(p->key, key);
        p->dev = dev;
        p->mode = sx.stx_mode;
        p->nlink = (int)sx.stx_nlink;
        p->have_mnt = (sx.stx_mask & STATX_MNT_ID) != 0;
        p->mnt_id = (uint32_t)sx.stx_mnt_id;
      }
    } else {
      snprintf(where, sizeof where, "%s/%s", fdDir, name);
      add_error(rp, st_err, fdn, where, "cannot stat target");
    }
    return;
  }
}

/* Decimal entries of an open directory, in the kernel's order. */
static int *list_numeric(int dirfd, int *count) {
  DIR *d = fdopendir(dirfd);
  if (!d) {
    int err = errno;
    close(dirfd);
    errno = err;
    return NULL;
  }
  int cap = 64, n = 0;
  int *out = malloc(cap * sizeof *out);
  struct dirent *e;
  errno = 0;
  while (out && (e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (n == cap) {
      int *o = realloc(out, (cap *= 2) * sizeof *out);
      if (!o) {
        free(out);
        out = NULL;
        break;
      }
      out = o;
    }
    out[n++] = atoi(e->d_name);
  }
  int err = errno;
  closedir(d);
  if (out && err) {
    free(out);
    errno = err;
    return NULL;
  }
  if (!out) errno = ENOMEM;
  *count = n;
  return out;
}

static snap_t *job_snapshot(reader_t *rd);
static void snapshot_count(reader_t *rd, int used);

/* Room for `extra` more fds after the t->n there are, zeroed as reserve_fds zeroes; 0 when out of memory. */
static int grow_fds(rproc_t *rp, size_t extra) {
  rfds_t *t = &rp->fds;
  size_t n = (size_t)t->n, c = n + extra;
  if (buf_reserve(&t->fd, c * 4) || buf_reserve(&t->i32, c * 16) || buf_reserve(&t->f64, c * 56) || buf_reserve(&t->statted, c + 1) ||
      buf_reserve(&t->ascii, c + 1) || buf_reserve(&t->linkOff, c * 4 + 4) || buf_reserve(&t->extraOff, c * 4 + 4) ||
      buf_reserve(&t->fid, c * 4 + 4)) {
    rp->oom = 1;
    return 0;
  }
  memset(t->i32.p + n * 16, 0, extra * 16);
  memset(t->f64.p + n * 56, 0, extra * 56);
  memset(t->statted.p + n, 0, extra + 1);
  return 1;
}

/* Room for `c` fds in the empty columns; 0 when out of memory (rp->oom set). */
static int reserve_fds(rproc_t *rp, size_t c) {
  if (!grow_fds(rp, c)) return 0;
  ((int32_t *)rp->fds.linkOff.p)[0] = 0;
  ((int32_t *)rp->fds.extraOff.p)[0] = 0;
  return 1;
}

/* /proc/PID/stat's starttime (field 22, clock ticks since boot); 0 when it cannot be told. */
static uint64_t stat_start(const rproc_t *rp) {
  if (!rp->have_stat) return 0;
  const char *b = rp->stat.p, *e = b + rp->stat.n;
  const char *p = e;
  while (p > b && p[-1] != ')') p--;
  if (p == b) return 0;
  /* after ") ": state is field 3, starttime 22 */
  int field = 2;
  while (p < e && field < 22) {
    if (*p == ' ') field++;
    p++;
  }
  if (field != 22) return 0;
  uint64_t v = 0;
  while (p < e && *p >= '0' && *p <= '9') v = v * 10 + (uint64_t)(*p++ - '0');
  return v;
}


/* Drops the fds marked in `drop` (by entry), keeping the others in order, and
 * the error records made since error `since` about them and about the fds
 * in `redo` (read again next: what their first read said no longer holds).
 * 0 when out of memory (rp->oom set, nothing changed). */
static int drop_fds(rproc_t *rp, const unsigned char *drop, int since, const int *redo, int nredo) {
  rfds_t *t = &rp->fds;
  int32_t *fd = (int32_t *)t->fd.p, *i32 = (int32_t *)t->i32.p, *lo = (int32_t *)t->linkOff.p, *xo = (int32_t *)t->extraOff.p,
          *fid = (int32_t *)t->fid.p;
  double *f64 = (double *)t->f64.p;
  unsigned char *st = (unsigned char *)t->statted.p, *as = (unsigned char *)t->ascii.p;
  int j = 0;
  int32_t lpos = 0, xpos = 0;
  int *newIdx = malloc(((size_t)t->n + 1) * sizeof *newIdx);
  int32_t *dropped = malloc(((size_t)t->n + 1) * sizeof *dropped);
  int ndropped = 0;
  if (!newIdx || !dropped) {
    free(newIdx);
    free(dropped);
    rp->oom = 1;
    return 0;
  }
  for (int k = 0; k < t->n; k++)
    if (drop[k]) dropped[ndropped++] = fd[k];
  for (int k = 0; k < t->n; k++) {
    int32_t l0 = lo[k], l1 = lo[k + 1], x0 = xo[k], x1 = xo[k + 1];
    if (drop[k]) {
      newIdx[k] = -1;
      continue;
    }
    newIdx[k] = j;
    fd[j] = fd[k];
    memmove(i32 + (size_t)j * 4, i32 + (size_t)k * 4, 16);
    memmove(f64 + (size_t)j * 7, f64 + (size_t)k * 7, 56);
    st[j] = st[k];
    as[j] = as[k];
    fid[j] = fid[k];
    memmove(t->links.p + lpos, t->links.p + l0, (size_t)(l1 - l0));
    memmove(t->extras.p + xpos, t->extras.p + x0, (size_t)(x1 - x0));
    lpos += l1 - l0;
    xpos += x1 - x0;
    /* lo[j] is rewritten only after lo[k] (k >= j) was read, and lo[j + 1] after lo[k + 1]: in place is safe. */
    lo[j + 1] = lpos;
    xo[j + 1] = xpos;
    j++;
  }
  /* Values above 2^53, by f64 slot (entry * 7 + field). */
  size_t nb = t->big.n / 28, kept = 0;
  for (size_t b = 0; b < nb; b++) {
    char *rec = t->big.p + b * 28;
    int32_t slot;
    memcpy(&slot, rec, 4);
    int to = newIdx[slot / 7];
    if (to < 0) continue;
    slot = to * 7 + slot % 7;
    memcpy(rec, &slot, 4);
    memmove(t->big.p + kept * 28, rec, 28);
    kept++;
  }
  t->big.n = kept * 28;
  t->links.n = (size_t)lpos;
  t->extras.n = (size_t)xpos;
  int e = since;
  for (int q = since; q < rp->nerrors; q++) {
    rerr_t *er = &rp->errors[q];
    int gone = 0;
    for (int d = 0; d < ndropped && !gone && er->fd >= 0; d++) gone = dropped[d] == er->fd;
    for (int d = 0; d < nredo && !gone && er->fd >= 0; d++) gone = redo[d] == er->fd;
    if (gone) {
      free(er->where);
      free(er->own);
      continue;
    }
    rp->errors[e++] = *er;
  }
  rp->nerrors = e;
  t->n = j;
  free(newIdx);
  free(dropped);
  return 1;
}

/* fds `fds[0..n)` read from /proc alone, into room already made for them. */
static void read_from_proc(reader_t *rd, rproc_t *rp, const char *fdDir, const char *infoDir, int dfd, int ifd, const int *fds, int n) {
  for (int j = 0; j < n; j++) {
    set_current_fd(rd, fds[j]);
    read_one_fd(rd, rp, fdDir, infoDir, dfd, ifd, fds[j], NULL);
  }
  set_current_fd(rd, -1);
}

/*
 * The second pass over a process read from its first (read_fds_snap): an fd
 * whose open file is the same in both (pointer, inode, mount, flags) held
 * it throughout and stands; one gone since is left out with an error record
 * naming it, as /proc's reading records an fd gone before its read; one
 * that is another open file now, or new, is read from /proc. Without a
 * second pass no id stands as proof. `since`: the first error of this
 * process's fds.
 */
static void hold_to_second_pass(reader_t *rd, rproc_t *rp, snap_t *snap, const char *fdDir, const char *infoDir, int dfd, int ifd,
                                const snap_rec_t *const *recs, int nrecs, int since) {
  rfds_t *t = &rp->fds;
  const snap_rec_t *const *now = NULL;
  int nnow = rp->oom ? -1 : snap_task(snap, rp->pid, 1, &rd->sbuf2, &now);
  if (nnow < 0) {
    if (t->n) memset(t->fid.p, 0, (size_t)t->n * 4);
    return;
  }
  unsigned char *drop = calloc((size_t)t->n + 1, 1);
  int *again = malloc(((size_t)nnow + (size_t)t->n + 1) * sizeof *again);
  int *closed = malloc(((size_t)t->n + 1) * sizeof *closed);
  int nagain = 0, nclosed = 0;
  if (!drop || !again || !closed) {
    rp->oom = 1;
  } else {
    /* Entries, both passes, all in fd order. Equal ids are equal pointers but
     * for a hash collision (snap_id): the inode, mount and flags are held
     * equal below too. */
    const int32_t *fd = (const int32_t *)t->fd.p, *fid = (const int32_t *)t->fid.p;
    for (int k = 0, q = 0, p1 = 0; k <= t->n; k++) {
      int at = k < t->n ? fd[k] : INT32_MAX;
      while (q < nnow && (int)now[q]->fd < at) again[nagain++] = (int)now[q++]->fd; /* new since the first pass */
      if (k == t->n) break;
      while (p1 < nrecs && (int)recs[p1]->fd < at) p1++;
      if (q == nnow || (int)now[q]->fd != at) {
        drop[k] = 1;
        closed[nclosed++] = at;
        continue;
      }
      /* One pointer is one open file unless it was freed and its memory
       * reused in between (struct file is SLAB_TYPESAFE_BY_RCU since 6.7:
       * soon): that one would have to be of the same inode, mount and
       * flags too to pass for it. */
      const snap_rec_t *was = p1 < nrecs && (int)recs[p1]->fd == at ? recs[p1] : NULL, *is = now[q++];
      if (fid[k] != 0 && ((uint64_t)fid[k] != is->file || !was || was->ino != is->ino || was->mnt_id != is->mnt_id ||
                          was->flags != is->flags)) {
        drop[k] = 1;
        again[nagain++] = at;
      }
    }
    if (drop_fds(rp, drop, since, again, nagain)) {
      /* An exiting process drops its whole table at once: the JavaScript
       * side tells that from these, as from /proc's reads of it. */
      char where[4200];
      for (int c = 0; c < nclosed; c++) {
        snprintf(where, sizeof where, "%s/%d", fdDir, closed[c]);
        add_error(rp, ENOENT, closed[c], where, "cannot stat target: the fd was closed, not recorded");
      }
      if (nagain && grow_fds(rp, (size_t)nagain)) read_from_proc(rd, rp, fdDir, infoDir, dfd, ifd, again, nagain);
    }
  }
  free(drop);
  free(again);
  free(closed);
}

/*
 * The fds of a process from its passes of the snapshot: the first says
 * which fds there are (as a listing of fd/ would: that costs the kernel a
 * dentry and inode per fd, made and dropped) and what each is; a second,
 * once they are all handled, says which still are. An fd whose open file
 * is the same in both (its kernel pointer) held it throughout, so what was
 * read of it stands, and its id is good over that time; one gone since is
 * left out, as a listing taken then would leave it; one that is another
 * file now, or new, is read from /proc. Taken only for the process the
 * pass saw (its start time: not a new process that got the pid since) and
 * only where /proc lets its fds be read (a readlink of one of them must
 * succeed), so an image never holds what /proc refuses. 0: not taken, read
 * the directory instead.
 */
static int read_fds_snap(reader_t *rd, rproc_t *rp, snap_t *snap, const char *fdDir, const char *infoDir,
                         const snap_rec_t *const *recs, int nrecs) {
  static long hz;
  if (!hz) hz = sysconf(_SC_CLK_TCK);
  uint64_t ticks = stat_start(rp);
  if (hz <= 0 || !ticks || recs[0]->start / (1000000000ull / (uint64_t)hz) != ticks) return 0;
  int dfd = open(fdDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return 0;
  int ifd = open(infoDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ifd < 0) {
    close(dfd);
    return 0;
  }
  char name[16], probe[8];
  snprintf(name, sizeof name, "%u", recs[0]->fd);
  if (readlinkat(dfd, name, probe, sizeof probe) < 0) {
    close(dfd);
    close(ifd);
    return 0;
  }
  int since = rp->nerrors;
  if (reserve_fds(rp, (size_t)nrecs)) {
    rp->have_fds = 1;
    for (int j = 0; j < nrecs; j++) {
      set_current_fd(rd, (int)recs[j]->fd);
      read_one_fd(rd, rp, fdDir, infoDir, dfd, ifd, (int)recs[j]->fd, recs[j]);
    }
    set_current_fd(rd, -1);
  }
  hold_to_second_pass(rd, rp, snap, fdDir, infoDir, dfd, ifd, recs, nrecs, since);
  close(dfd);
  close(ifd);
  return 1;
}

/* Whether the table in fdDir (.../PID/fd or .../task/TID/fd) is of a task in
 * this process's mount namespace: its ns/mnt link, `known` where the
 * process's was read already, else read beside fdDir. Only there does a
 * link's path name the file it names here (a container's /etc/hosts is not
 * ours). Unknown (unreadable, a fake /proc): no. */
static int same_mount_ns(const char *fdDir, const buf_t *known) {
  static char self[64];
  static ssize_t selfn = -2;
  ssize_t sn = __atomic_load_n(&selfn, __ATOMIC_ACQUIRE);
  if (sn == -2) {
    char tmp[64];
    sn = readlink("/proc/self/ns/mnt", tmp, sizeof tmp);
    if (sn > 0 && sn < (ssize_t)sizeof tmp) memcpy(self, tmp, (size_t)sn);
    else sn = -1;
    __atomic_store_n(&selfn, sn, __ATOMIC_RELEASE);
  }
  if (sn <= 0) return 0;
  if (known) return known->n == (size_t)sn && memcmp(known->p, self, (size_t)sn) == 0;
  size_t dl = strlen(fdDir);
  if (dl < 3 || dl > 4000 || strcmp(fdDir + dl - 3, "/fd") != 0) return 0;
  char path[4100], link[64];
  memcpy(path, fdDir, dl - 2);
  memcpy(path + dl - 2, "ns/mnt", 7);
  ssize_t n = readlink(path, link, sizeof link);
  return n == sn && memcmp(link, self, (size_t)n) == 0;
}

static void read_fds(reader_t *rd, rproc_t *rp, const char *fdDir, const char *infoDir) {
  rd->path_check = same_mount_ns(fdDir, rp->ns_have[NS_MNT] ? &rp->ns[NS_MNT] : NULL);
  const snap_rec_t *const *recs = NULL;
  snap_t *snap = job_snapshot(rd);
  int nrecs = snap ? snap_task(snap, rp->pid, 0, &rd->sbuf, &recs) : 0;
  if (nrecs < 0) snapshot_count(rd, 0);
  if (nrecs > 0 && read_fds_snap(rd, rp, snap, fdDir, infoDir, recs, nrecs)) {
    snapshot_count(rd, 1);
    return;
  }
  int lfd = open(fdDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int count = 0;
  int *names = lfd < 0 ? NULL : list_numeric(lfd, &count);
  if (!names) {
    add_error(rp, errno, -1, fdDir, "cannot list fds");
    return;
  }
  int dfd = open(fdDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    add_error(rp, errno, -1, fdDir, "cannot open fd directory");
    free(names);
    return;
  }
  int ifd = open(infoDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ifd < 0) {
    add_error(rp, errno, -1, infoDir, "cannot open fdinfo directory");
    close(dfd);
    free(names);
    return;
  }
  if (reserve_fds(rp, (size_t)count)) {
    rp->have_fds = 1;
    /* A process the snapshot has not (an empty table, one /proc refuses, one
     * started since) is read from /proc alone. */
    read_from_proc(rd, rp, fdDir, infoDir, dfd, ifd, names, count);
  }
  close(dfd);
  close(ifd);
  free(names);
}

static void read_proc(reader_t *rd, rproc_t *rp, const char *root) {
  int pid = rp->pid;
  char base[4200], path[4300], p2[4300];
  snprintf(base, sizeof base, "%s/%d", root, pid);
  snprintf(path, sizeof path, "%s/stat", base);
  if (!read_file(rp, path, &rp->stat, 0, 1)) return;
  rp->have_stat = 1;
  snprintf(path, sizeof path, "%s/status", base);
  rp->have_status = read_file(rp, path, &rp->status, 0, 1);
  snprintf(path, sizeof path, "%s/cmdline", base);
  rp->have_cmdline = read_file(rp, path, &rp->cmdline, 0, 0);
  /* limits: only its "Max open files" line goes over (JavaScript parses
   * it, as the JavaScript reader does the whole file). Quiet: an older
   * kernel or a fake /proc without it just leaves the limit unknown. */
  snprintf(path, sizeof path, "%s/limits", base);
  if (read_file(rp, path, &rp->nofile, 1, 1)) {
    static const char KEY[] = "\nMax open files ";
    char *at = memmem(rp->nofile.p, rp->nofile.n, KEY, sizeof KEY - 1);
    if (at) {
      at++;
      char *end = memchr(at, '\n', (size_t)(rp->nofile.p + rp->nofile.n - at));
      size_t len = (size_t)((end ? end : rp->nofile.p + rp->nofile.n) - at);
      memmove(rp->nofile.p, at, len);
      rp->nofile.n = len;
      rp->have_nofile = 1;
    }
  }
  int bd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (bd >= 0) {
    rp->have_cwd = read_link(bd, "cwd", &rp->cwd);
    if (!rp->have_cwd) {
      snprintf(path, sizeof path, "%s/cwd", base);
      add_error(rp, errno, -1, path, "cannot read link");
    }
    rp->have_root = read_link(bd, "root", &rp->root);
    if (!rp->have_root) {
      snprintf(path, sizeof path, "%s/root", base);
      add_error(rp, errno, -1, path, "cannot read link");
    }
    close(bd);
  } else {
    add_error(rp, errno, -1, base, "cannot open process directory");
  }
  snprintf(path, sizeof path, "%s/ns", base);
  int nsd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (nsd >= 0) {
    /* A namespace the kernel lacks (time on old kernels) is ENOENT and
     * simply absent; anything else is worth a record, once per process. */
    int failed = 0;
    for (int i = 0; i < NS_COUNT; i++) {
      rp->ns_have[i] = read_link(nsd, NS_TYPES[i], &rp->ns[i]);
      if (!rp->ns_have[i] && !failed && errno != ENOENT) failed = errno;
    }
    if (failed) add_error(rp, failed, -1, path, "cannot read namespaces");
    close(nsd);
  } else {
    add_error(rp, errno, -1, path, "cannot read namespaces");
  }
  snprintf(path, sizeof path, "%s/task", base);
  int td = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int ntids = 0;
  int *tids = td < 0 ? NULL : list_numeric(td, &ntids);
  if (!tids) {
    add_error(rp, errno, -1, path, "cannot list threads");
  } else {
    for (int i = 0; i < ntids; i++) {
      if (tids[i] == pid) continue;
      if (rp->nthreads == rp->cap_threads) {
        int cap = rp->cap_threads ? rp->cap_threads * 2 : 4;
        rthread_t *th = realloc(rp->threads, cap * sizeof *th);
        if (!th) {
          rp->oom = 1;
          break;
        }
        rp->threads = th;
        rp->cap_threads = cap;
      }
      rthread_t *th = &rp->threads[rp->nthreads++];
      memset(th, 0, sizeof *th);
      th->tid = tids[i];
      snprintf(p2, sizeof p2, "%s/task/%d/stat", base, tids[i]);
      th->have_stat = read_file(rp, p2, &th->stat, 1, 1);
    }
    free(tids);
  }
  snprintf(path, sizeof path, "%s/fd", base);
  snprintf(p2, sizeof p2, "%s/fdinfo", base);
  read_fds(rd, rp, path, p2);
}

/* ---- the job: reader threads and a queue of finished processes ---------- *
 *
 * A reader can hang in the kernel: a statx on a dead NFS server or a stopped
 * FUSE daemon does not return. next() with a timeout gives up on such a
 * reader (lsof -S does the same): the process it was on is reported as
 * timed out, the thread is detached and replaced so the other pids go on,
 * and whatever it returns with later is dropped. The job is reference
 * counted so that a detached thread never touches freed memory. */

#define MAX_WORKERS 256

typedef struct job job_t;

typedef struct worker {
  job_t *job;
  pthread_t th;
  int pid;        /* the process being read, 0 between processes (job->mu) */
  int64_t since;  /* when it last made progress (a process, an fd), monotonic ms (relaxed atomics) */
  int fd;         /* the fd being read, -1 outside the fd loop (relaxed atomics) */
  int abandoned;  /* given up on (job->mu) */
  int exited;     /* its thread is past its last use of this struct (job->mu) */
  int detached;   /* JavaScript thread only */
} worker_t;

struct job {
  char *root;
  int *pids;
  int npids;
  int next_idx; /* taken with __atomic */
  int cancel;
  worker_t *workers[MAX_WORKERS];
  int nworkers; /* changed by the JavaScript thread only */
  int refs;     /* the JavaScript handle and each running thread (job->mu) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  rproc_t *head, *tail;
  int finished;
  size_t blob_cap;
  uint64_t root_hash;
  int (*timed_out)[2]; /* (pid, fd) given up on, not yet reported; fd -2: never read, no reader left */
  int ntimed, cap_timed;
  /* The BPF snapshot (bpf-snapshot.c): asked for at start, opened (its
   * program loaded, once per process) by the first reader that reaches an
   * fd table, while the others wait for it there; 0 not yet, 1 being
   * opened, 2 done (job->mu). */
  int snap_state;
  snap_t *snap;
  int snap_used, snap_failed; /* processes read from passes; passes that failed (they are read from /proc) (atomics) */
  /* Per SNAP_OWN_* kind: whether the lines printed from a record's figures
   * are this kernel's (own_lines): 0 not known yet, 1 they were, -1 they
   * were not; misses: times they differed (atomics). */
  int own_state[SNAP_OWN_KINDS + 1], own_misses[SNAP_OWN_KINDS + 1]; /* [SNAP_STAT]: the records' stat figures */
  int own_taken;  /* fds whose own lines came from their records (atomic) */
  int stat_taken; /* files whose stat figures came from their records (atomic) */
  int own_skew;  /* CKPT_TEST_OWN_SKEW: print them wrong, and take no stat figure as statx's, as another kernel would differ (tests) */
  int read_gap_us; /* CKPT_TEST_READ_GAP_US=N: a pause of up to N us in an fd's first reading, before its link or after, as a reader preempted there has (tests) */
  int slow_stat_us; /* CKPT_TEST_SLOW_STAT_US=N: each statx of an fd takes N us more, as on a file system whose getattr is slow (tests) */
  /* CKPT_TEST_LINK_SWAP=FROM|TO: an fd's first reading finds TO where its
   * link is FROM, as a reader finds one whose fd was B between an A and an A
   * (tests; procfd.c's and raw-read.ts's path check). */
  char swap_from[4097], swap_to[4097];
  size_t swap_from_len, swap_to_len;
  int stat_misses; /* CKPT_TEST_STAT_MISSES=N: the first N stat checks differ, as a file that changed between the reads would (tests) */
  char snap_why[256]; /* why there is none, when asked for */
};

/* A process read from the snapshot (used), or one whose pass failed. */
static void snapshot_count(reader_t *rd, int used) {
  __atomic_add_fetch(used ? &rd->w->job->snap_used : &rd->w->job->snap_failed, 1, __ATOMIC_RELAXED);
}

static __thread unsigned gap_seed = 1;

/* Where the test pause falls in a reading: 0 or 1 at random, -1 for none. */
static int read_gap_at(reader_t *rd) {
  return rd->w->job->read_gap_us > 0 ? (int)(rand_r(&gap_seed) & 1) : -1;
}

static void slow_stat(reader_t *rd) {
  if (rd->w->job->slow_stat_us > 0) usleep((useconds_t)rd->w->job->slow_stat_us);
}

static void link_swapped(reader_t *rd, char *link, ssize_t *ln) {
  const struct job *j = rd->w->job;
  if (j->swap_from_len && *ln == (ssize_t)j->swap_from_len && memcmp(link, j->swap_from, j->swap_from_len) == 0) {
    memcpy(link, j->swap_to, j->swap_to_len);
    *ln = (ssize_t)j->swap_to_len;
  }
}

static void link_swap_init(struct job *j) {
  const char *e = getenv("CKPT_TEST_LINK_SWAP");
  const char *bar = e ? strchr(e, '|') : NULL;
  if (!bar || (size_t)(bar - e) >= sizeof j->swap_from || strlen(bar + 1) >= sizeof j->swap_to) return;
  j->swap_from_len = (size_t)(bar - e);
  memcpy(j->swap_from, e, j->swap_from_len);
  j->swap_to_len = strlen(bar + 1);
  memcpy(j->swap_to, bar + 1, j->swap_to_len);
}

static void read_gap(reader_t *rd) {
  usleep((useconds_t)(rand_r(&gap_seed) % (unsigned)rd->w->job->read_gap_us));
}

static int own_state(reader_t *rd, int kind) {
  return kind > 0 && kind <= SNAP_STAT ? __atomic_load_n(&rd->w->job->own_state[kind], __ATOMIC_RELAXED) : -1;
}

/* A record's own lines, taken for its fd's fdinfo (the job trusts them). */
static size_t own_take(reader_t *rd, const snap_rec_t *sr, char *out, size_t cap) {
  size_t n = own_lines(sr, out, cap, rd->w->job->own_skew);
  if (n) __atomic_add_fetch(&rd->w->job->own_taken, 1, __ATOMIC_RELAXED);
  return n;
}

/* A kind's trust in its records, from one comparison with /proc's reading
 * of the same open file a moment apart: while undecided, the same makes
 * its records stand for /proc's for the rest of the job; the third
 * difference (a figure that moved between the reads, another kernel's
 * format) sends the kind to /proc for the rest of the job. Once decided it
 * stays so. */
#define OWN_MISSES 3
static void note_agreement(job_t *job, int kind, int same) {
  if (__atomic_load_n(&job->own_state[kind], __ATOMIC_RELAXED) != 0) return;
  if (same)
    __atomic_store_n(&job->own_state[kind], 1, __ATOMIC_RELAXED);
  else if (__atomic_add_fetch(&job->own_misses[kind], 1, __ATOMIC_RELAXED) >= OWN_MISSES)
    __atomic_store_n(&job->own_state[kind], -1, __ATOMIC_RELAXED);
}

/* /proc's own lines of an fd against those printed from its record. */
static void own_check(reader_t *rd, const snap_rec_t *sr, const char *procs, size_t n) {
  char mine[160];
  job_t *job = rd->w->job;
  size_t len = own_lines(sr, mine, sizeof mine, job->own_skew);
  note_agreement(job, (int)sr->own, len && len == n && memcmp(mine, procs, n) == 0);
}

/* A record's stat figures as statx gives them. */
static void rec_statx(const snap_rec_t *sr, struct statx *sx) {
  memset(sx, 0, sizeof *sx);
  sx->stx_mask = STATX_BASIC_STATS | STATX_MNT_ID;
  sx->stx_dev_major = sr->st_dev >> 20;
  sx->stx_dev_minor = sr->st_dev & 0xfffff;
  sx->stx_rdev_major = sr->st_rdev >> 20;
  sx->stx_rdev_minor = sr->st_rdev & 0xfffff;
  sx->stx_ino = sr->ino;
  sx->stx_mode = (uint16_t)sr->mode;
  sx->stx_nlink = sr->st_nlink;
  sx->stx_size = (uint64_t)sr->st_size;
  sx->stx_blocks = sr->st_blocks;
  sx->stx_mnt_id = sr->mnt_id;
}

/* A record's stat figures, when the job trusts them; 0 when it does not (yet). */
static int stat_take(reader_t *rd, const snap_rec_t *sr, struct statx *sx) {
  job_t *job = rd->w->job;
  if (__atomic_load_n(&job->own_state[SNAP_STAT], __ATOMIC_RELAXED) != 1) return 0;
  rec_statx(sr, sx);
  __atomic_add_fetch(&job->stat_taken, 1, __ATOMIC_RELAXED);
  return 1;
}

/* statx's figures of a file against its record's. */
static void stat_check(reader_t *rd, const snap_rec_t *sr, const struct statx *sx) {
  job_t *job = rd->w->job;
  if (own_state(rd, SNAP_STAT) != 0) return; /* decided: nothing to compare (once distrusted, every ext4 file comes here) */
  struct statx r;
  rec_statx(sr, &r);
  int same = (sx->stx_mask & STATX_BLOCKS) && (sx->stx_mask & STATX_MNT_ID) && sx->stx_dev_major == r.stx_dev_major &&
             sx->stx_dev_minor == r.stx_dev_minor && sx->stx_rdev_major == r.stx_rdev_major && sx->stx_rdev_minor == r.stx_rdev_minor &&
             sx->stx_ino == r.stx_ino && sx->stx_mode == r.stx_mode && sx->stx_nlink == r.stx_nlink && sx->stx_size == r.stx_size &&
             sx->stx_blocks == r.stx_blocks && sx->stx_mnt_id == r.stx_mnt_id && !job->own_skew;
  if (same && __atomic_load_n(&job->stat_misses, __ATOMIC_RELAXED) > 0 && __atomic_sub_fetch(&job->stat_misses, 1, __ATOMIC_RELAXED) >= 0) same = 0;
  note_agreement(job, SNAP_STAT, same);
}

static snap_t *job_snapshot(reader_t *rd) {
  job_t *job = rd->w->job;
  pthread_mutex_lock(&job->mu);
  if (job->snap_state == 0) {
    job->snap_state = 1;
    pthread_mutex_unlock(&job->mu);
    char why[256] = "";
    snap_t *s = snap_open(why, sizeof why);
    pthread_mutex_lock(&job->mu);
    job->snap = s;
    if (!s) memcpy(job->snap_why, why, sizeof why);
    job->snap_state = 2;
    pthread_cond_broadcast(&job->cv);
  }
  /* Another reader is loading it: wait (~15 ms), so that every fd has its
   * open file's id (build.ts); the core goes to the JavaScript thread,
   * which is loading the CLI meanwhile. */
  while (job->snap_state == 1) pthread_cond_wait(&job->cv, &job->mu);
  snap_t *s = job->snap;
  pthread_mutex_unlock(&job->mu);
  return s;
}

/* Pids whose reader was given up on and has not come back, across jobs:
 * a later capture (ckpt capture --every, the app) reports them at once
 * instead of sending one more thread into the same hang. Keyed by the
 * proc root too, so a test's fake /proc never shadows the real one. */
static pthread_mutex_t stuck_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
  uint64_t root;
  int pid;
} stuck_pids[256];
static int nstuck;

static uint64_t root_hash(const char *root) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *root; root++) h = (h ^ (unsigned char)*root) * 1099511628211ull;
  return h;
}

static int is_stuck(uint64_t root, int pid) {
  pthread_mutex_lock(&stuck_mu);
  int hit = 0;
  for (int i = 0; i < nstuck && !hit; i++) hit = stuck_pids[i].root == root && stuck_pids[i].pid == pid;
  pthread_mutex_unlock(&stuck_mu);
  return hit;
}

static void stuck_add(uint64_t root, int pid) {
  pthread_mutex_lock(&stuck_mu);
  if (nstuck < (int)(sizeof stuck_pids / sizeof stuck_pids[0])) {
    stuck_pids[nstuck].root = root;
    stuck_pids[nstuck].pid = pid;
    nstuck++;
  }
  pthread_mutex_unlock(&stuck_mu);
}

static void stuck_remove(uint64_t root, int pid) {
  pthread_mutex_lock(&stuck_mu);
  for (int i = 0; i < nstuck; i++)
    if (stuck_pids[i].root == root && stuck_pids[i].pid == pid) {
      stuck_pids[i] = stuck_pids[--nstuck];
      break;
    }
  pthread_mutex_unlock(&stuck_mu);
}

/* Records a pid given up on (job->mu held); 0, or -1 out of memory. */
static int add_timed(job_t *job, int pid, int fd) {
  if (job->ntimed == job->cap_timed) {
    int cap = job->cap_timed ? job->cap_timed * 2 : 16;
    int(*t)[2] = realloc(job->timed_out, (size_t)cap * sizeof *t);
    if (!t) return -1;
    job->timed_out = t;
    job->cap_timed = cap;
  }
  job->timed_out[job->ntimed][0] = pid;
  job->timed_out[job->ntimed][1] = fd;
  job->ntimed++;
  return 0;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Progress: the timeout counts from the last fd begun, not from the start
 * of the process, so a healthy process with very many fds is not taken for
 * a hung one (lsof -S likewise times single calls). */
static void set_current_fd(reader_t *rd, int fd) {
  __atomic_store_n(&rd->w->fd, fd, __ATOMIC_RELAXED);
  __atomic_store_n(&rd->w->since, now_ms(), __ATOMIC_RELAXED);
}

static void free_queue(job_t *job) {
  for (rproc_t *rp = job->head; rp;) {
    rproc_t *nx = rp->next;
    free_proc(rp);
    rp = nx;
  }
  job->head = job->tail = NULL;
}

static void job_destroy(job_t *job) {
  free_queue(job);
  snap_close(job->snap);
  pthread_mutex_destroy(&job->mu);
  pthread_cond_destroy(&job->cv);
  for (int i = 0; i < job->nworkers; i++) free(job->workers[i]);
  free(job->timed_out);
  free(job->pids);
  free(job->root);
  free(job);
}

/* Drops one reference; the last one frees the job. */
static void job_release(job_t *job) {
  pthread_mutex_lock(&job->mu);
  int last = --job->refs == 0;
  pthread_mutex_unlock(&job->mu);
  if (last) job_destroy(job);
}

static void *reader_main(void *arg) {
  worker_t *w = arg;
  job_t *job = w->job;
  reader_t rd;
  memset(&rd, 0, sizeof rd);
  rd.w = w;
  for (;;) {
    if (__atomic_load_n(&job->cancel, __ATOMIC_RELAXED)) break;
    int idx = __atomic_fetch_add(&job->next_idx, 1, __ATOMIC_RELAXED);
    if (idx >= job->npids) break;
    rproc_t *rp = calloc(1, sizeof *rp);
    pthread_mutex_lock(&job->mu);
    w->pid = job->pids[idx];
    __atomic_store_n(&w->since, now_ms(), __ATOMIC_RELAXED);
    pthread_mutex_unlock(&job->mu);
    if (rp) {
      rp->pid = job->pids[idx];
      read_proc(&rd, rp, job->root);
    }
    pthread_mutex_lock(&job->mu);
    int gone = w->abandoned;
    int was = w->pid;
    w->pid = 0;
    if (!gone) {
      if (rp) {
        if (job->tail)
          job->tail->next = rp;
        else
          job->head = rp;
        job->tail = rp;
      }
      job->finished++; /* an abandoned reader's pid was counted when it was given up on */
      pthread_cond_signal(&job->cv);
    }
    pthread_mutex_unlock(&job->mu);
    if (gone) {
      if (rp) free_proc(rp);
      stuck_remove(job->root_hash, was); /* back from the hang: later captures may read it again */
      break;
    }
  }
  buf_free(&rd.io);
  snap_buf_free(&rd.sbuf);
  snap_buf_free(&rd.sbuf2);
  pthread_mutex_lock(&job->mu);
  w->exited = 1;
  pthread_mutex_unlock(&job->mu);
  job_release(job);
  return NULL;
}

/* pthread_create with every signal blocked in the new thread: signals are
 * Node's to handle, on its own thread, so none lands on ours (and none
 * interrupts a read with EINTR). 0, or pthread_create's error. */
static int start_thread(pthread_t *th, void *(*fn)(void *), void *arg) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int rc = pthread_create(th, NULL, fn, arg);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

/* A reader thread more (JavaScript thread only); -1 when none could start. */
static int spawn_worker(job_t *job) {
  worker_t *w = calloc(1, sizeof *w);
  if (!w) return -1;
  w->job = job;
  w->fd = -1;
  int slot = job->nworkers;
  if (slot >= MAX_WORKERS) {
    /* Reuse the slot of a reader that is done with its struct for good. */
    slot = -1;
    pthread_mutex_lock(&job->mu);
    for (int i = 0; i < job->nworkers && slot < 0; i++)
      if (job->workers[i]->exited && job->workers[i]->detached) slot = i;
    pthread_mutex_unlock(&job->mu);
    if (slot < 0) {
      free(w);
      return -1;
    }
  }
  pthread_mutex_lock(&job->mu);
  job->refs++;
  pthread_mutex_unlock(&job->mu);
  int rc = start_thread(&w->th, reader_main, w);
  if (rc != 0) {
    pthread_mutex_lock(&job->mu);
    job->refs--;
    pthread_mutex_unlock(&job->mu);
    free(w);
    return -1;
  }
  if (slot < job->nworkers) free(job->workers[slot]);
  else job->nworkers++;
  job->workers[slot] = w;
  return 0;
}

/* Detaches every reader not yet detached (JavaScript thread only). Nothing
 * ever joins a reader: one may be stuck in the kernel for good, and the
 * reference count keeps the job alive until the last of them is done. */
static void job_let_go(job_t *job) {
  for (int i = 0; i < job->nworkers; i++) {
    worker_t *w = job->workers[i];
    if (w->detached) continue;
    w->detached = 1;
    pthread_detach(w->th);
  }
}

/* The JavaScript handle is gone: stop the readers and let go of the job. */
static void job_free(job_t *job) {
  __atomic_store_n(&job->cancel, 1, __ATOMIC_RELAXED);
  job_let_go(job);
  pthread_mutex_lock(&job->mu);
  free_queue(job);
  pthread_mutex_unlock(&job->mu);
  job_release(job);
}

static void finalize_job(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  job_free(data);
}

/* ---- Node-API glue --------------------------------------------------------- */

#define CHECK(call)                                  \
  do {                                               \
    if ((call) != napi_ok) return fail(env, #call);  \
  } while (0)

/* CHECK inside a handle scope: the scope is closed before failing. */
#define CHECK_S(call)                                \
  do {                                               \
    if ((call) != napi_ok) {                         \
      napi_value r = fail(env, #call);               \
      napi_close_handle_scope(env, scope);           \
      return r;                                      \
    }                                                \
  } while (0)

static napi_value fail(napi_env env, const char *what) {
  /* The message first: any later Node-API call clears it. */
  const napi_extended_error_info *info = NULL;
  char msg[256];
  napi_get_last_error_info(env, &info);
  snprintf(msg, sizeof msg, "procfd: %s failed: %s", what, info && info->error_message ? info->error_message : "unknown");
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, msg);
  return NULL;
}

/* A string argument as a heap C string; NULL (and a TypeError) when not a string or it holds a NUL. */
static char *string_arg(napi_env env, napi_value v, const char *what) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, NULL, "procfd: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  if (strlen(s) != len) {
    free(s);
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  return s;
}

/* The job in argument 0 of next() or cancel(); NULL with a TypeError thrown when it is not one. */
static job_t *job_arg(napi_env env, size_t argc, napi_value *argv, const char *fn) {
  job_t *job = NULL;
  if (argc < 1 || !(job = handle_of(env, argv[0], &JOB_TAG))) {
    char msg[64];
    snprintf(msg, sizeof msg, "procfd.%s: not a job", fn);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  return job;
}

/* An errno as JavaScript names it: "ENOENT", else "E<number>", written in
 * `num` (16 bytes). */
static const char *errno_name(int e, char *num) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ELOOP: return "ELOOP";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENODATA: return "ENODATA";
    case EAGAIN: return "EAGAIN";
    default: snprintf(num, 16, "E%d", e); return num;
  }
}

/* errno_name() as a string; NULL if it could not be made. */
static napi_value errno_value(napi_env env, int e) {
  char num[16];
  napi_value v;
  if (napi_create_string_latin1(env, errno_name(e, num), NAPI_AUTO_LENGTH, &v) != napi_ok) return NULL;
  return v;
}

static napi_value bytes_or_null(napi_env env, int have, buf_t *b) {
  napi_value v;
  if (!have) {
    napi_get_null(env, &v);
    return v;
  }
  void *data;
  if (napi_create_buffer_copy(env, b->n, b->n ? b->p : "", &data, &v) != napi_ok) return NULL;
  return v;
}

static napi_value typed(napi_env env, napi_typedarray_type type, size_t elem, size_t count, const void *src) {
  napi_value ab, arr;
  void *data;
  if (napi_create_arraybuffer(env, elem * count, &data, &ab) != napi_ok) return NULL;
  if (count) memcpy(data, src, elem * count);
  if (napi_create_typedarray(env, type, count, ab, 0, &arr) != napi_ok) return NULL;
  return arr;
}

static void free_taken(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* A typed array over b's own bytes, which JavaScript then owns (b is left
 * empty): no copy, and no fresh pages for the main thread to fault in, the
 * capture's bound (the reader thread that filled b touched them). Where
 * external buffers are not allowed (Electron's V8 sandbox), a copy. */
static napi_value typed_take(napi_env env, napi_typedarray_type type, size_t elem, size_t count, buf_t *b) {
  napi_value ab, arr;
  /* The columns are written through pointers into room buf_reserve made:
   * their n stays 0, their cap is what they hold. */
  if (count == 0 || !b->p || b->cap < elem * count) return typed(env, type, elem, count, b->p);
  napi_status st = napi_create_external_arraybuffer(env, b->p, elem * count, free_taken, NULL, &ab);
  if (st == napi_no_external_buffers_allowed) return typed(env, type, elem, count, b->p);
  /* Any other answer may have handed the bytes to the finalizer already:
   * they are not ours to copy or free any more (a leak at worst). */
  b->p = NULL;
  b->n = b->cap = 0;
  if (st != napi_ok || napi_create_typedarray(env, type, count, ab, 0, &arr) != napi_ok) return NULL;
  return arr;
}

static napi_status set(napi_env env, napi_value obj, const char *key, napi_value v) {
  if (!v) return napi_generic_failure;
  return napi_set_named_property(env, obj, key, v);
}

/* The largest blob handed over as one string; CKPT_PROCFD_MAX_BLOB lowers
 * it so tests can reach the too-large path without gigabytes of fdinfo. */
static size_t max_blob(void) {
  size_t cap = (1u << 29) - 24; /* V8's longest string */
  const char *env = getenv("CKPT_PROCFD_MAX_BLOB");
  if (env && *env) {
    unsigned long long v = strtoull(env, NULL, 10);
    if (v > 0 && v < cap) cap = (size_t)v;
  }
  return cap;
}

static napi_value to_js(napi_env env, rproc_t *rp, size_t blob_cap) {
  napi_value o, v;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_int32(env, rp->pid, &v));
  CHECK(set(env, o, "pid", v));
  CHECK(set(env, o, "stat", bytes_or_null(env, rp->have_stat, &rp->stat)));
  if (rp->have_status) {
    CHECK(napi_create_string_latin1(env, rp->status.n ? rp->status.p : "", rp->status.n, &v));
  } else {
    CHECK(napi_get_null(env, &v));
  }
  CHECK(set(env, o, "status", v));
  CHECK(set(env, o, "cmdline", bytes_or_null(env, rp->have_cmdline, &rp->cmdline)));
  if (rp->have_nofile) {
    CHECK(napi_create_string_latin1(env, rp->nofile.n ? rp->nofile.p : "", rp->nofile.n, &v));
  } else {
    CHECK(napi_get_null(env, &v));
  }
  CHECK(set(env, o, "nofile", v));
  CHECK(set(env, o, "cwd", bytes_or_null(env, rp->have_cwd, &rp->cwd)));
  CHECK(set(env, o, "root", bytes_or_null(env, rp->have_root, &rp->root)));

  napi_value ns;
  CHECK(napi_create_array(env, &ns));
  uint32_t nn = 0;
  for (int i = 0; i < NS_COUNT; i++) {
    if (!rp->ns_have[i]) continue;
    napi_value pair, t, l;
    /* No handle scope: eight at most. */
    CHECK(napi_create_array_with_length(env, 2, &pair));
    CHECK(napi_create_string_latin1(env, NS_TYPES[i], NAPI_AUTO_LENGTH, &t));
    CHECK(napi_create_string_latin1(env, rp->ns[i].n ? rp->ns[i].p : "", rp->ns[i].n, &l));
    CHECK(napi_set_element(env, pair, 0, t));
    CHECK(napi_set_element(env, pair, 1, l));
    CHECK(napi_set_element(env, ns, nn++, pair));
  }
  CHECK(set(env, o, "ns", ns));

  napi_value threads;
  CHECK(napi_create_array_with_length(env, (size_t)rp->nthreads, &threads));
  for (int i = 0; i < rp->nthreads; i++) {
    /* A scope per item: a process may have thousands of threads. */
    napi_handle_scope scope;
    CHECK(napi_open_handle_scope(env, &scope));
    napi_value th, tid;
    CHECK_S(napi_create_object(env, &th));
    CHECK_S(napi_create_int32(env, rp->threads[i].tid, &tid));
    CHECK_S(set(env, th, "tid", tid));
    CHECK_S(set(env, th, "stat", bytes_or_null(env, rp->threads[i].have_stat, &rp->threads[i].stat)));
    CHECK_S(napi_set_element(env, threads, (uint32_t)i, th));
    CHECK(napi_close_handle_scope(env, scope));
  }
  CHECK(set(env, o, "threads", threads));

  if (rp->have_fds) {
    rfds_t *t = &rp->fds;
    size_t n = (size_t)t->n;
    if (t->links.n > blob_cap || t->extras.n > blob_cap) {
      char msg[160];
      int links = t->links.n > blob_cap;
      snprintf(msg, sizeof msg, "procfd: the %s of process %d is too large (%zu bytes) to hand over in one piece", links ? "link text" : "fdinfo",
               rp->pid, links ? t->links.n : t->extras.n);
      napi_throw_range_error(env, "ERR_PROCFD_TOO_LARGE", msg);
      return NULL;
    }
    napi_value f;
    CHECK(napi_create_object(env, &f));
    CHECK(napi_create_int32(env, t->n, &v));
    CHECK(set(env, f, "n", v));
    CHECK(set(env, f, "fd", typed_take(env, napi_int32_array, 4, n, &t->fd)));
    CHECK(set(env, f, "i32", typed_take(env, napi_int32_array, 4, n * 4, &t->i32)));
    CHECK(set(env, f, "f64", typed_take(env, napi_float64_array, 8, n * 7, &t->f64)));
    CHECK(set(env, f, "statted", typed_take(env, napi_uint8_array, 1, n, &t->statted)));
    CHECK(set(env, f, "linkAscii", typed_take(env, napi_uint8_array, 1, n, &t->ascii)));
    /* Strings travel as one latin1 blob and offsets: two crossings per
     * table instead of two per fd; JavaScript slices them. */
    CHECK(napi_create_string_latin1(env, t->links.n ? t->links.p : "", t->links.n, &v));
    CHECK(set(env, f, "linkBlob", v));
    CHECK(set(env, f, "linkOff", typed_take(env, napi_int32_array, 4, n + 1, &t->linkOff)));
    CHECK(napi_create_string_latin1(env, t->extras.n ? t->extras.p : "", t->extras.n, &v));
    CHECK(set(env, f, "extraBlob", v));
    CHECK(set(env, f, "extraOff", typed_take(env, napi_int32_array, 4, n + 1, &t->extraOff)));
    CHECK(set(env, f, "fileId", typed_take(env, napi_int32_array, 4, n, &t->fid)));
    napi_value big;
    size_t nbig = t->big.n / 28;
    CHECK(napi_create_array_with_length(env, nbig, &big));
    for (size_t i = 0; i < nbig; i++) {
      napi_handle_scope scope;
      CHECK(napi_open_handle_scope(env, &scope));
      const char *rec = t->big.p + i * 28;
      int32_t slot;
      memcpy(&slot, rec, 4);
      napi_value pair, s, txt;
      CHECK_S(napi_create_array_with_length(env, 2, &pair));
      CHECK_S(napi_create_int32(env, slot, &s));
      CHECK_S(napi_create_string_latin1(env, rec + 4, NAPI_AUTO_LENGTH, &txt));
      CHECK_S(napi_set_element(env, pair, 0, s));
      CHECK_S(napi_set_element(env, pair, 1, txt));
      CHECK_S(napi_set_element(env, big, (uint32_t)i, pair));
      CHECK(napi_close_handle_scope(env, scope));
    }
    CHECK(set(env, f, "big", big));
    CHECK(set(env, o, "fds", f));
  } else {
    CHECK(napi_get_null(env, &v));
    CHECK(set(env, o, "fds", v));
  }

  if (rp->oom) add_error(rp, ENOMEM, -1, "procfd", "out of memory: part of this process was not read");
  napi_value errs;
  CHECK(napi_create_array_with_length(env, (size_t)rp->nerrors, &errs));
  for (int i = 0; i < rp->nerrors; i++) {
    napi_handle_scope scope;
    CHECK(napi_open_handle_scope(env, &scope));
    rerr_t *e = &rp->errors[i];
    napi_value eo;
    CHECK_S(napi_create_object(env, &eo));
    CHECK_S(set(env, eo, "errno", errno_value(env, e->err)));
    CHECK_S(napi_create_int32(env, e->pid, &v));
    CHECK_S(set(env, eo, "pid", v));
    CHECK_S(napi_create_int32(env, e->fd, &v));
    CHECK_S(set(env, eo, "fd", v));
    CHECK_S(napi_create_string_latin1(env, e->where ? e->where : "", NAPI_AUTO_LENGTH, &v));
    CHECK_S(set(env, eo, "where", v));
    CHECK_S(napi_create_string_latin1(env, e->message, NAPI_AUTO_LENGTH, &v));
    CHECK_S(set(env, eo, "message", v));
    CHECK_S(napi_set_element(env, errs, (uint32_t)i, eo));
    CHECK(napi_close_handle_scope(env, scope));
  }
  CHECK(set(env, o, "errors", errs));
  return o;
}

/* start(procRoot: string, pids: Int32Array, threads: number) -> job */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "procfd.start(procRoot, pids, threads, snapshot?)");
    return NULL;
  }
  bool want_snap = false;
  if (argc >= 4) {
    napi_valuetype st;
    napi_typeof(env, argv[3], &st);
    if (st != napi_undefined && (st != napi_boolean || napi_get_value_bool(env, argv[3], &want_snap) != napi_ok)) {
      napi_throw_type_error(env, NULL, "procfd.start: snapshot must be a boolean");
      return NULL;
    }
  }
  bool isTyped = false;
  napi_is_typedarray(env, argv[1], &isTyped);
  napi_typedarray_type tt;
  size_t count = 0;
  void *pdata = NULL;
  if (!isTyped || napi_get_typedarray_info(env, argv[1], &tt, &count, &pdata, NULL, NULL) != napi_ok || tt != napi_int32_array) {
    napi_throw_type_error(env, NULL, "procfd.start: pids must be an Int32Array");
    return NULL;
  }
  int32_t nthreads = 1;
  CHECK(napi_get_value_int32(env, argv[2], &nthreads));
  if (nthreads < 1) nthreads = 1;
  if (nthreads > 16) nthreads = 16;

  char *root = string_arg(env, argv[0], "procfd.start: procRoot must be a string without NUL");
  if (!root) return NULL;
  job_t *job = calloc(1, sizeof *job);
  if (!job) {
    free(root);
    return fail(env, "calloc");
  }
  job->root = root;
  job->refs = 1; /* the JavaScript handle */
  pthread_mutex_init(&job->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* next()'s deadlines do not move with the wall clock */
  pthread_cond_init(&job->cv, &ca);
  pthread_condattr_destroy(&ca);
  job->pids = malloc((count ? count : 1) * sizeof(int));
  if (!job->pids) {
    job_release(job);
    return fail(env, "malloc");
  }
  /* A pid whose reader from an earlier job is still stuck is not read
   * again: it is reported at once (see next()). */
  const int32_t *given = pdata;
  job->root_hash = root_hash(job->root);
  job->own_skew = getenv("CKPT_TEST_OWN_SKEW") != NULL;
  job->stat_misses = getenv("CKPT_TEST_STAT_MISSES") ? atoi(getenv("CKPT_TEST_STAT_MISSES")) : 0;
  job->read_gap_us = getenv("CKPT_TEST_READ_GAP_US") ? atoi(getenv("CKPT_TEST_READ_GAP_US")) : 0;
  job->slow_stat_us = getenv("CKPT_TEST_SLOW_STAT_US") ? atoi(getenv("CKPT_TEST_SLOW_STAT_US")) : 0;
  link_swap_init(job);
  for (size_t i = 0; i < count; i++) {
    if (is_stuck(job->root_hash, given[i]))
      add_timed(job, given[i], -3);
    else
      job->pids[job->npids++] = given[i];
  }
  job->blob_cap = max_blob();
  /* A snapshot names tasks by their pids in the initial pid namespace,
   * and paths as this process sees them: it stands for /proc only when
   * that is the /proc of that namespace and this process is in it. */
  job->snap_state = 2;
  if (!want_snap) {
    snprintf(job->snap_why, sizeof job->snap_why, "not asked");
  } else {
    char ns[64] = "", self[32] = "";
    ssize_t l1 = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    ssize_t l2 = readlink("/proc/self", self, sizeof self - 1);
    if (l1 > 0) ns[l1] = 0;
    if (l2 > 0) self[l2] = 0;
    if (strcmp(job->root, "/proc") != 0)
      snprintf(job->snap_why, sizeof job->snap_why, "not the real /proc");
    else if (strcmp(ns, "pid:[4026531836]") != 0 || atoi(self) != getpid())
      snprintf(job->snap_why, sizeof job->snap_why, "not in the initial pid namespace");
    else
      job->snap_state = 0;
  }
  napi_value handle = make_handle(env, job, finalize_job, &JOB_TAG);
  if (!handle) {
    job_release(job);
    return fail(env, "napi_create_external");
  }
  for (int i = 0; i < nthreads && i < job->npids; i++)
    if (spawn_worker(job) != 0) break;
  if (job->npids > 0 && job->nworkers == 0) {
    napi_throw_error(env, NULL, "procfd: cannot start a reader thread");
    return NULL;
  }
  return handle;
}

/* next(job, timeoutMs?) -> the next process read (in the order they
 * finish); { timedOut: [{ pid, fd }] } for pids given up on (fd >= -1: its
 * reader made no progress for timeoutMs, on that fd or -1 outside the fd
 * loop; -2: never read, no reader thread could start; -3: its reader from
 * an earlier capture is still stuck); null when every pid is accounted for
 * or the job was cancelled. Blocks while the readers work. */
static napi_value js_next(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *job = job_arg(env, argc, argv, "next");
  if (!job) return NULL;
  int64_t timeout = 0, yield_after = 0;
  for (size_t a = 1; a < 3 && a < argc; a++) {
    napi_valuetype t;
    napi_typeof(env, argv[a], &t);
    int64_t *into = a == 1 ? &timeout : &yield_after;
    if (t != napi_undefined && (t != napi_number || napi_get_value_int64(env, argv[a], into) != napi_ok || *into < 0)) {
      napi_throw_type_error(env, NULL, a == 1 ? "procfd.next: timeoutMs must be a number >= 0" : "procfd.next: yieldMs must be a number >= 0");
      return NULL;
    }
  }
  if (timeout > (int64_t)1 << 40) timeout = (int64_t)1 << 40; /* 35 years: no overflow below */
  if (yield_after > (int64_t)1 << 40) yield_after = (int64_t)1 << 40;
  int64_t entered = now_ms();
  int pending = 0;
  int respawn = 0;
  pthread_mutex_lock(&job->mu);
  while (!job->head && !job->ntimed && job->finished < job->npids && !job->cancel) {
    int64_t now = now_ms();
    /* yieldMs: back to JavaScript with nothing yet, so its event loop (a
     * signal handler, a server's other requests) runs while readers work. */
    if (yield_after > 0 && now - entered >= yield_after) {
      pending = 1;
      break;
    }
    if (timeout <= 0 && yield_after <= 0) {
      pthread_cond_wait(&job->cv, &job->mu);
      continue;
    }
    int64_t wait = timeout > 0 ? timeout : yield_after;
    if (yield_after > 0 && entered + yield_after - now < wait) wait = entered + yield_after - now;
    for (int i = 0; i < job->nworkers && timeout > 0; i++) {
      worker_t *w = job->workers[i];
      if (w->abandoned || w->exited || !w->pid) continue;
      int64_t idle = now - __atomic_load_n(&w->since, __ATOMIC_RELAXED);
      if (idle >= timeout) {
        w->abandoned = 1;
        add_timed(job, w->pid, __atomic_load_n(&w->fd, __ATOMIC_RELAXED));
        stuck_add(job->root_hash, w->pid);
        job->finished++;
        respawn++;
      } else if (timeout - idle < wait) {
        wait = timeout - idle;
      }
    }
    if (job->ntimed) break;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += wait / 1000;
    ts.tv_nsec += (wait % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&job->cv, &job->mu, &ts);
  }
  rproc_t *rp = job->cancel || pending ? NULL : job->head;
  if (rp) {
    job->head = rp->next;
    if (!job->head) job->tail = NULL;
  }
  pthread_mutex_unlock(&job->mu);
  /* Replacements for the readers given up on, so the other pids go on. */
  for (; respawn > 0 && !job->cancel; respawn--) {
    if (__atomic_load_n(&job->next_idx, __ATOMIC_RELAXED) >= job->npids) break;
    if (spawn_worker(job) == 0) continue;
    pthread_mutex_lock(&job->mu);
    int live = 0;
    for (int i = 0; i < job->nworkers; i++) live += !job->workers[i]->abandoned && !job->workers[i]->exited;
    if (!live) {
      /* No reader is left and none can start: the pids nobody will read
       * are given up too, and said so. */
      int idx = __atomic_exchange_n(&job->next_idx, job->npids, __ATOMIC_RELAXED);
      for (; idx < job->npids; idx++) {
        add_timed(job, job->pids[idx], -2);
        job->finished++;
      }
    }
    pthread_mutex_unlock(&job->mu);
    break;
  }
  napi_value out;
  if (rp) {
    out = to_js(env, rp, job->blob_cap);
    free_proc(rp);
    return out;
  }
  if (pending) {
    CHECK(napi_create_object(env, &out));
    napi_value t;
    CHECK(napi_get_boolean(env, true, &t));
    CHECK(set(env, out, "pending", t));
    return out;
  }
  pthread_mutex_lock(&job->mu);
  int ntimed = job->cancel ? 0 : job->ntimed;
  int(*timed)[2] = NULL;
  if (ntimed) {
    timed = job->timed_out;
    job->timed_out = NULL;
    job->ntimed = job->cap_timed = 0;
  }
  pthread_mutex_unlock(&job->mu);
  if (ntimed) {
    napi_value list, v;
    napi_status st = napi_create_object(env, &out);
    if (st == napi_ok) st = napi_create_array_with_length(env, (size_t)ntimed, &list);
    for (int i = 0; st == napi_ok && i < ntimed; i++) {
      napi_value item;
      st = napi_create_object(env, &item);
      if (st == napi_ok) st = napi_create_int32(env, timed[i][0], &v);
      if (st == napi_ok) st = set(env, item, "pid", v);
      if (st == napi_ok) st = napi_create_int32(env, timed[i][1], &v);
      if (st == napi_ok) st = set(env, item, "fd", v);
      if (st == napi_ok) st = napi_set_element(env, list, (uint32_t)i, item);
    }
    if (st == napi_ok) st = set(env, out, "timedOut", list);
    free(timed);
    if (st != napi_ok) return fail(env, "building timedOut");
    return out;
  }
  job_let_go(job);
  napi_get_null(env, &out);
  return out;
}

/* cancel(job): stop the readers after the process each is on, free what is queued. */
static napi_value js_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *job = job_arg(env, argc, argv, "cancel");
  if (!job) return NULL;
  __atomic_store_n(&job->cancel, 1, __ATOMIC_RELAXED);
  job_let_go(job);
  pthread_mutex_lock(&job->mu);
  free_queue(job);
  pthread_mutex_unlock(&job->mu);
  return NULL;
}

/* snapshot(job): null when the job's fds came from a BPF snapshot (and
 * /proc where it had more to say), else why not: "not asked", or what
 * kept it from being taken. "not yet" before any fd table was read. */
static napi_value js_snapshot(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *job = job_arg(env, argc, argv, "snapshot");
  if (!job) return NULL;
  char why[256];
  pthread_mutex_lock(&job->mu);
  int state = job->snap_state, used = job->snap != NULL;
  memcpy(why, job->snap_why, sizeof why);
  pthread_mutex_unlock(&job->mu);
  int took = __atomic_load_n(&job->snap_used, __ATOMIC_RELAXED), failed = __atomic_load_n(&job->snap_failed, __ATOMIC_RELAXED);
  if (state == 2 && used && !took && failed) {
    /* Loaded, yet no process came from it. */
    snprintf(why, sizeof why, "its passes failed (%d), every process read from /proc", failed);
    used = 0;
  }
  if (state == 2 && used) {
    CHECK(napi_get_null(env, &v));
  } else {
    CHECK(napi_create_string_utf8(env, state == 2 ? why : "not yet", NAPI_AUTO_LENGTH, &v));
  }
  return v;
}

/* What a job made of its records' own lines (own_lines): per kind whether
 * they printed as /proc's (1), did not (-1) or were not checked (0), and
 * how many fds took them. */
static napi_value js_snapshot_own(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], o, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  job_t *job = job_arg(env, argc, argv, "snapshotOwn");
  if (!job) return NULL;
  CHECK(napi_create_object(env, &o));
  static const char *const names[SNAP_OWN_KINDS] = {NULL, "eventfd", "unix"};
  for (int k = 1; k < SNAP_OWN_KINDS; k++) {
    CHECK(napi_create_int32(env, __atomic_load_n(&job->own_state[k], __ATOMIC_RELAXED), &v));
    CHECK(napi_set_named_property(env, o, names[k], v));
  }
  CHECK(napi_create_int32(env, __atomic_load_n(&job->own_taken, __ATOMIC_RELAXED), &v));
  CHECK(napi_set_named_property(env, o, "taken", v));
  CHECK(napi_create_int32(env, __atomic_load_n(&job->own_state[SNAP_STAT], __ATOMIC_RELAXED), &v));
  CHECK(napi_set_named_property(env, o, "stat", v));
  CHECK(napi_create_int32(env, __atomic_load_n(&job->stat_taken, __ATOMIC_RELAXED), &v));
  CHECK(napi_set_named_property(env, o, "statTaken", v));
  return o;
}

/* newestMtime(paths): the newest modification time of the files, in ms
 * since the epoch, or Infinity when one cannot be statted. The launchers'
 * check of a checkout's bundle against its ~200 sources: ~0.3 ms, where
 * fs.statSync's cold path took ~4 ms of every start. */
static napi_value js_newest_mtime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool isArray = false;
  uint32_t n = 0;
  if (argc < 1 || napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray || napi_get_array_length(env, argv[0], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "procfd.newestMtime(paths: string[])");
    return NULL;
  }
  double newest = 0;
  char path[4096];
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    size_t len = 0;
    CHECK(napi_get_element(env, argv[0], i, &e));
    if (napi_get_value_string_utf8(env, e, path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) {
      newest = INFINITY;
      break;
    }
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_MTIME, &sx) != 0) {
      newest = INFINITY;
      break;
    }
    double ms = (double)sx.stx_mtime.tv_sec * 1000.0 + (double)sx.stx_mtime.tv_nsec / 1e6;
    if (ms > newest) newest = ms;
  }
  CHECK(napi_create_double(env, newest, &v));
  return v;
}

/* writeback(fd, offset, length): starts writing those bytes of a file to
 * its disk, without waiting (sync_file_range SYNC_FILE_RANGE_WRITE), so the
 * fsync that ends an atomic write finds most of them written (a capture's
 * 4 MB image: its fsync ~3.7 ms, most of it the data). False when the
 * kernel would not (a pipe, a file system without it): nothing lost, fsync
 * still writes them. */
static napi_value js_writeback(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  double off, len;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_double(env, argv[1], &off) != napi_ok ||
      napi_get_value_double(env, argv[2], &len) != napi_ok || fd < 0 || !(off >= 0) || !(len >= 0) || off > 9e15 || len > 9e15) {
    napi_throw_type_error(env, NULL, "procfd.writeback(fd, offset, length)");
    return NULL;
  }
  int ok = sync_file_range(fd, (off64_t)off, (off64_t)len, SYNC_FILE_RANGE_WRITE) == 0;
  CHECK(napi_get_boolean(env, ok, &v));
  return v;
}

/* ---- the few other syscalls a capture needs (so it need not load an FFI) */

static int int_args(napi_env env, napi_callback_info info, int64_t *out, size_t want, const char *usage) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  for (size_t i = 0; i < want; i++) {
    napi_valuetype t = napi_undefined;
    if (i < argc) napi_typeof(env, argv[i], &t);
    if (t != napi_number || napi_get_value_int64(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, usage);
      return -1;
    }
  }
  return 0;
}

#ifndef SYS_kcmp
#define SYS_kcmp -1
#endif

/* kcmp's answer: 0 equal, 1 or 2 an order, else the errno's name. */
static napi_value kcmp_result(napi_env env, long r) {
  if (r < 0 || r > 2) return errno_value(env, r < 0 ? errno : EINVAL);
  napi_value v;
  napi_create_int32(env, (int32_t)r, &v);
  return v;
}

/* kcmp(pid1, pid2, type, idx1, idx2): 0 equal, 1 or 2 an order, or an errno name. */
static napi_value js_kcmp(napi_env env, napi_callback_info info) {
  int64_t a[5];
  if (int_args(env, info, a, 5, "procfd.kcmp(pid1, pid2, type, idx1, idx2)")) return NULL;
  long r = SYS_kcmp < 0 ? (errno = ENOSYS, -1) : syscall(SYS_kcmp, (pid_t)a[0], (pid_t)a[1], (int)a[2], (unsigned long)a[3], (unsigned long)a[4]);
  return kcmp_result(env, r);
}

/* ---- kcmpSort: which of n fds (or tables) are one kernel object */

/* The data of a typed array of type t, its length in *len; NULL if v is not one. */
static void *typed_arg(napi_env env, napi_value v, napi_typedarray_type t, size_t *len) {
  bool is = false;
  napi_typedarray_type got;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &got, len, &data, NULL, NULL) != napi_ok || got != t)
    return NULL;
  return data;
}

typedef struct {
  const int32_t *pid, *idx;
  int type;
  long calls;
  /* The first comparison kcmp would not answer: errno and the two items. */
  int err, err_a, err_b;
  uint32_t seed;
} ksort_t;

/* kcmp's order of items a and b: -1, 0 or 1; on a refusal (k->err set) 0. */
static int ksort_cmp(ksort_t *k, int32_t a, int32_t b) {
  if (k->err) return 0;
  k->calls++;
  long r = SYS_kcmp < 0 ? (errno = ENOSYS, -1)
                        : syscall(SYS_kcmp, (pid_t)k->pid[a], (pid_t)k->pid[b], k->type, (unsigned long)(uint32_t)k->idx[a],
                                  (unsigned long)(uint32_t)k->idx[b]);
  if (r == 0) return 0;
  if (r == 1) return -1;
  if (r == 2) return 1;
  k->err = r < 0 ? errno : EINVAL;
  k->err_a = a;
  k->err_b = b;
  return 0;
}

/*
 * Merge sort of it[0..n) by kcmp; same[i]: it[i] is the object it[i-1] is.
 * A comparison sort compares every two neighbours of its result, so the
 * merge knows each neighbour's verdict without asking again. tmp/tsame: n.
 */
static void ksort_merge(ksort_t *k, int32_t *it, uint8_t *same, size_t n, int32_t *tmp, uint8_t *tsame) {
  if (n < 2) {
    if (n) same[0] = 0;
    return;
  }
  size_t na = n / 2, nb = n - na;
  int32_t *a = it, *b = it + na;
  uint8_t *fa = same, *fb = same + na;
  ksort_merge(k, a, fa, na, tmp, tsame);
  ksort_merge(k, b, fb, nb, tmp, tsame);
  if (k->err) return;
  size_t i = 0, j = 0, o = 0;
  /* last: 0 none, 1 from a, 2 from b. ab: the verdict of the last a output against b[j]. */
  int last = 0, ab = 1;
  while (i < na && j < nb) {
    int r = ksort_cmp(k, a[i], b[j]);
    if (k->err) return;
    if (r <= 0) {
      tsame[o] = last == 1 ? fa[i] : 0; /* after b[j-1]: a[i] was found above it */
      tmp[o++] = a[i++];
      last = 1;
      ab = r;
    } else {
      tsame[o] = last == 2 ? fb[j] : last == 1 ? ab == 0 : 0;
      tmp[o++] = b[j++];
      last = 2;
    }
  }
  while (i < na) {
    tsame[o] = last == 1 ? fa[i] : 0;
    tmp[o++] = a[i++];
    last = 1;
  }
  while (j < nb) {
    tsame[o] = last == 2 ? fb[j] : last == 1 ? ab == 0 : 0;
    tmp[o++] = b[j++];
    last = 2;
  }
  memcpy(it, tmp, n * sizeof *it);
  memcpy(same, tsame, n);
}

/*
 * Sorts it[0..n) by kcmp. Partitions around a random pivot first, and on
 * while the pivot's object holds a quarter or more of the items (one fd
 * inherited by a hundred children: n-1 calls); otherwise (a process that
 * opened one file 20,000 times, all different, perhaps forked) both sides
 * go to merge sort, which needs about n log2 n - 1.25 n calls against
 * quicksort's 1.39 n log2 n.
 */
static void ksort_hybrid(ksort_t *k, int32_t *it, uint8_t *same, size_t n, int32_t *tmp, uint8_t *tsame) {
  if (n < 2) {
    if (n) same[0] = 0;
    return;
  }
  k->seed ^= k->seed << 13;
  k->seed ^= k->seed >> 17;
  k->seed ^= k->seed << 5;
  size_t p = k->seed % n, nlt = 0, neq = 0;
  int32_t pivot = it[p];
  /* tsame holds each item's side of the pivot: 0 below, 1 the pivot's object, 2 above. */
  for (size_t x = 0; x < n; x++) {
    int r = x == p ? 0 : ksort_cmp(k, it[x], pivot);
    if (k->err) return;
    tsame[x] = (uint8_t)(r + 1);
    if (r < 0)
      nlt++;
    else if (r == 0)
      neq++;
  }
  size_t at[3] = {0, nlt, nlt + neq};
  for (size_t x = 0; x < n; x++) tmp[at[tsame[x]]++] = it[x];
  memcpy(it, tmp, n * sizeof *it);
  for (size_t x = 0; x < neq; x++) same[nlt + x] = x > 0;
  size_t ngt = n - nlt - neq;
  /* Partitions pay while one object holds a good share of what is left; pairs (fds a fork shares) are not that. */
  void (*sort)(ksort_t *, int32_t *, uint8_t *, size_t, int32_t *, uint8_t *) = neq * 4 >= n ? ksort_hybrid : ksort_merge;
  sort(k, it, same, nlt, tmp, tsame);
  sort(k, it + nlt + neq, same + nlt + neq, ngt, tmp, tsame);
}

/*
 * kcmpSort(type, pids, idxs, order, same, info): sorts the items (pids[i],
 * idxs[i]) by kcmp's order of their objects: order gets the item numbers
 * sorted, same[i] is 1 where order[i] is the object order[i-1] is. Returns
 * the number of kcmp calls. Where kcmp would not answer, info gets its errno
 * and the two items asked about, and order is not whole.
 *
 * Which of n fds on one inode share open files: about n log2 n calls (a
 * process that leaked 20,000 opens of one file: ~250,000). Asked one call
 * at a time from JavaScript, the calls cost as much again as the syscalls.
 */
static napi_value js_kcmp_sort(napi_env env, napi_callback_info info) {
  static const char usage[] = "procfd.kcmpSort(type, pids, idxs, order, same, info): Int32Arrays of one length n, same a Uint8Array of n, info an Int32Array of 3";
  size_t argc = 6;
  napi_value argv[6];
  int32_t type = 0;
  size_t n = 0, n_idx = 0, n_order = 0, n_same = 0, n_info = 0;
  int32_t *pid = NULL, *idx = NULL, *order = NULL, *inf = NULL;
  uint8_t *same = NULL;
  bool ok = napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 6 && napi_get_value_int32(env, argv[0], &type) == napi_ok;
  if (ok) {
    pid = typed_arg(env, argv[1], napi_int32_array, &n);
    idx = typed_arg(env, argv[2], napi_int32_array, &n_idx);
    order = typed_arg(env, argv[3], napi_int32_array, &n_order);
    same = typed_arg(env, argv[4], napi_uint8_array, &n_same);
    inf = typed_arg(env, argv[5], napi_int32_array, &n_info);
  }
  if (!ok || !pid || !idx || !order || !same || !inf || n_idx != n || n_order != n || n_same != n || n_info < 3 || n > INT32_MAX) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  int32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
  uint8_t *tsame = malloc(n ? n : 1);
  if (!tmp || !tsame) {
    free(tmp);
    free(tsame);
    return fail(env, "kcmpSort: malloc");
  }
  ksort_t k = {pid, idx, type, 0, 0, -1, -1, 0x9e3779b9u ^ (uint32_t)n};
  for (size_t i = 0; i < n; i++) order[i] = (int32_t)i;
  ksort_hybrid(&k, order, same, n, tmp, tsame);
  free(tmp);
  free(tsame);
  inf[0] = k.err;
  inf[1] = k.err_a;
  inf[2] = k.err_b;
  napi_value v;
  napi_create_double(env, (double)k.calls, &v);
  return v;
}

/* kcmpEpoll(pid1, fd1, pid2, efd, tfd, toff): is fd1 of pid1 the file pid2's epoll efd watches as tfd? */
static napi_value js_kcmp_epoll(napi_env env, napi_callback_info info) {
  int64_t a[6];
  if (int_args(env, info, a, 6, "procfd.kcmpEpoll(pid1, fd1, pid2, efd, tfd, toff)")) return NULL;
  struct {
    uint32_t efd, tfd, toff;
  } slot = {(uint32_t)a[3], (uint32_t)a[4], (uint32_t)a[5]};
  long r = SYS_kcmp < 0 ? (errno = ENOSYS, -1) : syscall(SYS_kcmp, (pid_t)a[0], (pid_t)a[2], 7 /* KCMP_EPOLL_TFD */, (unsigned long)a[1], &slot);
  return kcmp_result(env, r);
}

/* getxattr(path, name): the value as latin1 without trailing NULs, or null. */
static napi_value js_getxattr(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "procfd.getxattr(path, name)");
    return NULL;
  }
  char *path = string_arg(env, argv[0], "procfd.getxattr: path must be a string without NUL");
  if (!path) return NULL;
  char *name = string_arg(env, argv[1], "procfd.getxattr: name must be a string without NUL");
  if (!name) {
    free(path);
    return NULL;
  }
  char val[256];
  ssize_t n = getxattr(path, name, val, sizeof val);
  free(path);
  free(name);
  napi_value v;
  if (n < 0) {
    napi_get_null(env, &v);
    return v;
  }
  while (n > 0 && val[n - 1] == 0) n--;
  napi_create_string_latin1(env, val, (size_t)n, &v);
  return v;
}

/* A NETLINK_SOCK_DIAG socket, in the network namespace of ns_path if given.
 * setns happens on a thread of its own that ends right after: the socket
 * stays bound to that namespace, and no thread of ours is left in it. */
typedef struct {
  const char *ns_path;
  int fd, err;
} diag_open_t;

static void *diag_open(void *arg) {
  diag_open_t *d = arg;
  if (d->ns_path) {
    int ns = open(d->ns_path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      d->err = errno;
      if (ns >= 0) close(ns);
      return NULL;
    }
    close(ns);
  }
  d->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, 4 /* NETLINK_SOCK_DIAG */);
  if (d->fd < 0) d->err = errno;
  return NULL;
}

/* One sock_diag dump: `req` sent on a NETLINK_SOCK_DIAG socket in the
 * namespace of `ns` (NULL: ours), every reply message gathered into `out`,
 * up to and including NLMSG_DONE (or an NLMSG_ERROR). 0, or an errno. Any
 * thread may run it: with `ns` the socket is made on a thread of its own. */
static int diag_exchange(const char *ns, const void *req, size_t reqLen, buf_t *out) {
  diag_open_t d = {ns, -1, 0};
  if (ns) {
    pthread_t th;
    int rc = start_thread(&th, diag_open, &d);
    if (rc != 0)
      d.err = rc;
    else
      pthread_join(th, NULL);
  } else {
    diag_open(&d);
  }
  if (d.fd < 0) return d.err ? d.err : EIO;
  /* A dump never stalls, but a capture must not hang if one did. */
  struct timeval tv = {5, 0};
  setsockopt(d.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int err = 0, done = 0;
  if (send(d.fd, req, reqLen, 0) != (ssize_t)reqLen) err = errno ? errno : EIO;
  while (!err && !done) {
    if (buf_reserve(out, 256 * 1024)) {
      err = ENOMEM;
      break;
    }
    ssize_t n = recv(d.fd, out->p + out->n, out->cap - out->n, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    /* Find the end of the dump in what just arrived. */
    size_t off = out->n;
    out->n += (size_t)n;
    while (off + 16 <= out->n) {
      uint32_t len;
      uint16_t type;
      memcpy(&len, out->p + off, 4);
      memcpy(&type, out->p + off + 4, 2);
      if (len < 16 || off + len > out->n) break;
      if (type == 3 /* NLMSG_DONE */ || type == 2 /* NLMSG_ERROR */) {
        done = 1;
        break;
      }
      off += (len + 3) & ~3u;
    }
  }
  close(d.fd);
  if (err) buf_free(out);
  return err;
}

/* The (request, nsPath) arguments of diagDump and diagStart, `fn`: 0 with
 * *req, *reqLen and *ns (heap, NULL for ours) set, or -1 with a TypeError
 * thrown. */
static int diag_args(napi_env env, napi_callback_info info, const char *fn, void **req, size_t *reqLen, char **ns) {
  char msg[96];
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    snprintf(msg, sizeof msg, "procfd.%s(request, nsPath)", fn);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  bool isBuf = false;
  napi_is_buffer(env, argv[0], &isBuf);
  if (!isBuf || napi_get_buffer_info(env, argv[0], req, reqLen) != napi_ok || *reqLen < 16) {
    snprintf(msg, sizeof msg, "procfd.%s: request must be a Buffer holding a netlink message", fn);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  *ns = NULL;
  napi_valuetype t = napi_undefined;
  if (argc > 1) napi_typeof(env, argv[1], &t);
  if (t == napi_string) {
    snprintf(msg, sizeof msg, "procfd.%s: nsPath must be a string without NUL", fn);
    *ns = string_arg(env, argv[1], msg);
    if (!*ns) return -1;
  } else if (t != napi_null && t != napi_undefined) {
    snprintf(msg, sizeof msg, "procfd.%s: nsPath must be a string or null", fn);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  return 0;
}

static napi_value dump_value(napi_env env, int err, buf_t *out) {
  if (err) return errno_value(env, err);
  napi_value v;
  void *data;
  napi_status st = napi_create_buffer_copy(env, out->n, out->n ? out->p : "", &data, &v);
  buf_free(out);
  if (st != napi_ok) return fail(env, "napi_create_buffer_copy");
  return v;
}

/* diagDump(request: Buffer, nsPath: string | null): every reply message of
 * one sock_diag dump, back to back, up to and including NLMSG_DONE (or an
 * NLMSG_ERROR); an errno name when the socket or the exchange failed. */
static napi_value js_diag_dump(napi_env env, napi_callback_info info) {
  void *req = NULL;
  size_t reqLen = 0;
  char *ns = NULL;
  if (diag_args(env, info, "diagDump", &req, &reqLen, &ns)) return NULL;
  buf_t out = {0};
  int err = diag_exchange(ns, req, reqLen, &out);
  free(ns);
  return dump_value(env, err, &out);
}

/* diagStart/diagTake: the same dump on a thread of its own, started early
 * (ckpt capture --all starts it with the read-ahead, while the CLI loads),
 * so the JavaScript thread only takes the result. The thread and the
 * handle each hold the dump; whichever lets go last frees it, so a handle
 * collected before its thread ends never waits for it. */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th;
  int refs, finished, taken;
  char *ns;
  void *req;
  size_t reqLen;
  buf_t out;
  int err;
} diag_job_t;

static void diag_job_release(diag_job_t *d) {
  pthread_mutex_lock(&d->mu);
  int last = --d->refs == 0;
  pthread_mutex_unlock(&d->mu);
  if (!last) return;
  buf_free(&d->out);
  free(d->ns);
  free(d->req);
  pthread_mutex_destroy(&d->mu);
  pthread_cond_destroy(&d->cv);
  free(d);
}

static void *diag_main(void *arg) {
  diag_job_t *d = arg;
  buf_t out = {0};
  int err = diag_exchange(d->ns, d->req, d->reqLen, &out);
  pthread_mutex_lock(&d->mu);
  d->out = out;
  d->err = err;
  d->finished = 1;
  pthread_cond_broadcast(&d->cv);
  pthread_mutex_unlock(&d->mu);
  diag_job_release(d);
  return NULL;
}

static void finalize_diag(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  diag_job_release(data);
}

/* diagStart(request: Buffer, nsPath: string | null) -> handle for diagTake. */
static napi_value js_diag_start(napi_env env, napi_callback_info info) {
  void *req = NULL;
  size_t reqLen = 0;
  char *ns = NULL;
  if (diag_args(env, info, "diagStart", &req, &reqLen, &ns)) return NULL;
  diag_job_t *d = calloc(1, sizeof *d);
  void *copy = malloc(reqLen);
  if (!d || !copy) {
    free(d);
    free(copy);
    free(ns);
    napi_throw_error(env, NULL, "procfd: out of memory");
    return NULL;
  }
  memcpy(copy, req, reqLen);
  pthread_mutex_init(&d->mu, NULL);
  pthread_cond_init(&d->cv, NULL);
  d->ns = ns;
  d->req = copy;
  d->reqLen = reqLen;
  d->refs = 2;
  int rc = start_thread(&d->th, diag_main, d);
  if (rc != 0) {
    /* No thread: the handle says why when taken. */
    d->refs = 1;
    d->err = rc;
    d->finished = 1;
  } else {
    pthread_detach(d->th);
  }
  napi_value v = make_handle(env, d, finalize_diag, &DIAG_TAG);
  if (!v) {
    diag_job_release(d);
    return fail(env, "napi_create_external");
  }
  return v;
}

/* diagTake(handle): what diagDump would have returned, once: waits for the
 * thread if it is not done; "EINVAL" when taken before. */
static napi_value js_diag_take(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  diag_job_t *d = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      !(d = handle_of(env, argv[0], &DIAG_TAG))) {
    napi_throw_type_error(env, NULL, "procfd.diagTake: not a handle of diagStart");
    return NULL;
  }
  pthread_mutex_lock(&d->mu);
  while (!d->finished) pthread_cond_wait(&d->cv, &d->mu);
  int taken = d->taken;
  d->taken = 1;
  buf_t out = d->out;
  int err = d->err;
  memset(&d->out, 0, sizeof d->out);
  pthread_mutex_unlock(&d->mu);
  if (taken) return errno_value(env, EINVAL);
  return dump_value(env, err, &out);
}

/* stuck(procRoot) -> Int32Array of the pids under procRoot whose reader
 * was given up on and has not come back (any job): a fallback reader must
 * not walk into them. */
static napi_value js_stuck(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "procfd.stuck(procRoot)");
    return NULL;
  }
  char *root = string_arg(env, argv[0], "procfd.stuck: procRoot must be a string without NUL");
  if (!root) return NULL;
  uint64_t h = root_hash(root);
  free(root);
  int copy[256], n = 0;
  pthread_mutex_lock(&stuck_mu);
  for (int i = 0; i < nstuck; i++)
    if (stuck_pids[i].root == h) copy[n++] = stuck_pids[i].pid;
  pthread_mutex_unlock(&stuck_mu);
  napi_value v = typed(env, napi_int32_array, 4, (size_t)n, copy);
  if (!v) return fail(env, "stuck");
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  exit_early_init();
  napi_property_descriptor props[] = {
      {"start", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"next", NULL, js_next, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"kcmp", NULL, js_kcmp, NULL, NULL, NULL, napi_default, NULL},
      {"kcmpSort", NULL, js_kcmp_sort, NULL, NULL, NULL, napi_default, NULL},
      {"kcmpEpoll", NULL, js_kcmp_epoll, NULL, NULL, NULL, napi_default, NULL},
      {"getxattr", NULL, js_getxattr, NULL, NULL, NULL, napi_default, NULL},
      {"diagDump", NULL, js_diag_dump, NULL, NULL, NULL, napi_default, NULL},
      {"diagStart", NULL, js_diag_start, NULL, NULL, NULL, napi_default, NULL},
      {"diagTake", NULL, js_diag_take, NULL, NULL, NULL, napi_default, NULL},
      {"stuck", NULL, js_stuck, NULL, NULL, NULL, napi_default, NULL},
      {"snapshot", NULL, js_snapshot, NULL, NULL, NULL, napi_default, NULL},
      {"snapshotOwn", NULL, js_snapshot_own, NULL, NULL, NULL, napi_default, NULL},
      {"newestMtime", NULL, js_newest_mtime, NULL, NULL, NULL, napi_default, NULL},
      {"writeback", NULL, js_writeback, NULL, NULL, NULL, napi_default, NULL},
      {"exitEarly", NULL, js_exit_early, NULL, NULL, NULL, napi_default, NULL},
      {"prefault", NULL, js_prefault, NULL, NULL, NULL, napi_default, NULL},
      {"prefaultPid", NULL, js_prefault_pid, NULL, NULL, NULL, napi_default, NULL},
      {"sha256", NULL, js_sha256, NULL, NULL, NULL, napi_default, NULL},
      {"sha256Update", NULL, js_sha256_update, NULL, NULL, NULL, napi_default, NULL},
      {"sha256Digest", NULL, js_sha256_digest, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value v;
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (napi_create_int32(env, 13, &v) == napi_ok) napi_set_named_property(env, exports, "version", v);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
