/*
 * A task's fds read inside the kernel in one pass (fdsnap.bpf.c), for the
 * /proc reader to take each fd's link and fdinfo from instead of three to
 * four syscalls of its own. See bpf-snapshot.c.
 */
#ifndef PROCFD_BPF_SNAPSHOT_H
#define PROCFD_BPF_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/* One fd as fdsnap.bpf.c writes it (struct rec there), then its path bytes. */
typedef struct {
  uint32_t tgid, tid, fd;
  int32_t plen;   /* path bytes with their NUL, or -errno of d_path */
  uint64_t file;  /* after snap_task: the open file's id in this job (snap_id: 31 bits, not 0) */
  uint64_t files; /* after snap_task: the fd table's id in this job (the same) */
  int64_t pos;
  uint64_t ino;
  uint32_t flags, mnt_id, mode;
  uint32_t more;  /* fdinfo has lines of its kind or locks: read it from /proc */
  uint64_t start; /* the task's start_boottime, ns (/proc/PID/stat's starttime is it in clock ticks) */
  uint32_t own;   /* SNAP_OWN_*: the figures of the kind's own fdinfo lines are below (more is 0) */
  int32_t own_id;
  uint64_t own_count;
  uint32_t own_flags;
  uint32_t st_ok; /* the st_* below are what statx would give (fdsnap.bpf.c's stat_of) */
  uint32_t st_dev, st_rdev; /* the kernel's encoding: major << 20 | minor */
  uint32_t st_nlink, pad;
  int64_t st_size;
  uint64_t st_blocks;
} snap_rec_t;

/* Kinds whose own fdinfo lines a record carries the figures of. */
#define SNAP_OWN_EVENTFD 1 /* own_count, own_id, own_flags: eventfd_ctx's */
#define SNAP_OWN_UNIX 2    /* own_count: scm_fds */
#define SNAP_OWN_KINDS 3
/* The job's trust in records' stat figures (st_ok), kept beside the kinds': same states. */
#define SNAP_STAT SNAP_OWN_KINDS

/* One job's use of the program: the ids it has given out. */
typedef struct snap snap_t;

/* A reader thread's buffer for one task's records. */
typedef struct {
  char *p;
  size_t n, cap;
  const snap_rec_t **recs;
  size_t nrecs, cap_recs;
} snap_buf_t;

/* Ready to read tasks' fds, or NULL with why (written into whybuf) when
 * this kernel, build or caller cannot. The program is loaded once per
 * process and kept. */
snap_t *snap_open(char *whybuf, size_t whylen);

/* The fds of the fd table task `tid` holds, read now, in fd order, into
 * buf (out points into it until the next call): their count, 0 when the
 * task has none or is gone (a zombie's table is gone too), -1 on failure.
 * Thread-safe; passes are taken one at a time. `light`: records without
 * path or figures (plen 0, more 0, own 0, st_ok 0), for a second pass. */
int snap_task(snap_t *s, int tid, int light, snap_buf_t *buf, const snap_rec_t *const **out);

/* A record's path bytes (plen - 1 of them when plen > 0). */
static inline const char *snap_path(const snap_rec_t *r) { return (const char *)(r + 1); }

void snap_buf_free(snap_buf_t *b);
void snap_close(snap_t *s);

#endif
