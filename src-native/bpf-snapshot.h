/*
 * One pass over every open fd of every task, inside the kernel
 * (fdsnap.bpf.c), for the /proc reader to take each fd's link and fdinfo
 * from instead of three to four syscalls of its own. See bpf-snapshot.c.
 */
#ifndef PROCFD_BPF_SNAPSHOT_H
#define PROCFD_BPF_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/* One fd as fdsnap.bpf.c writes it (struct rec there), then its path bytes. */
typedef struct {
  uint32_t tgid, tid, fd;
  int32_t plen; /* path bytes with their NUL, or -errno of d_path */
  uint64_t file;  /* after indexing: the open file's id in this snapshot, from 1 */
  uint64_t files; /* after indexing: the fd table's id in this snapshot, from 1 */
  int64_t pos;
  uint64_t ino;
  uint32_t flags, mnt_id, mode;
  uint32_t more; /* fdinfo has lines of its kind or locks: read it from /proc */
  uint64_t start; /* the task's start_boottime, ns (/proc/PID/stat's starttime is it in clock ticks) */
} snap_rec_t;

typedef struct snap snap_t;

/* A snapshot of every task's fds, or NULL with why (a static string, or
 * one written into whybuf) when this kernel, build or caller cannot take
 * one. Safe to call from several threads; the program is loaded once per
 * process and kept. */
snap_t *snap_take(char *whybuf, size_t whylen);

/* The records of the fd table task `pid` itself holds (pid a thread group
 * leader that was running), in fd order; 0 when the snapshot has none. */
int snap_fds(const snap_t *s, int pid, const snap_rec_t *const **out);

/* A record's path bytes (plen - 1 of them when plen > 0). */
static inline const char *snap_path(const snap_rec_t *r) { return (const char *)(r + 1); }

void snap_free(snap_t *s);

#endif
