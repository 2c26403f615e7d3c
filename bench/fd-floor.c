/*
 * The kernel's share of a capture, for scale: per fd only the syscalls a
 * capture cannot do without (readlinkat and fdinfo open/read/close, statx
 * of path targets), no parsing, no output, on N threads. Issue 3 names this
 * loop as its yardstick; the capture bench runs it beside ckpt and lsof.
 * usage: fd-floor THREADS
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int pids[65536], npids, next_idx;
static long total;

static void one(int pid) {
  char p[64], buf[8192], lnk[4097];
  snprintf(p, sizeof p, "/proc/%d/fd", pid);
  int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  snprintf(p, sizeof p, "/proc/%d/fdinfo", pid);
  int ifd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fdopendir(dup(dfd));
  struct dirent *e;
  long n = 0;
  while (d && ifd >= 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    ssize_t l = readlinkat(dfd, e->d_name, lnk, sizeof lnk);
    int f = openat(ifd, e->d_name, O_RDONLY | O_CLOEXEC);
    if (f >= 0) {
      ssize_t got = read(f, buf, sizeof buf); /* a vanished fd is no error here */
      (void)got;
      close(f);
    }
    struct statx sx;
    if (l > 0 && lnk[0] == '/') statx(dfd, e->d_name, 0, STATX_BASIC_STATS, &sx);
    n++;
  }
  if (d) closedir(d);
  close(dfd);
  if (ifd >= 0) close(ifd);
  __atomic_fetch_add(&total, n, __ATOMIC_RELAXED);
}

static void *run(void *arg) {
  (void)arg;
  for (int i; (i = __atomic_fetch_add(&next_idx, 1, __ATOMIC_RELAXED)) < npids;) one(pids[i]);
  return NULL;
}

int main(int argc, char **argv) {
  int nt = argc > 1 ? atoi(argv[1]) : 1;
  if (nt < 1 || nt > 64) nt = 1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d)) && npids < 65536)
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') pids[npids++] = atoi(e->d_name);
  pthread_t th[64];
  for (int i = 0; i < nt; i++) pthread_create(&th[i], NULL, run, NULL);
  for (int i = 0; i < nt; i++) pthread_join(th[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%ld fds %.1f ms\n", total, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  return 0;
}
