/*
 * prefault: maps in, off the main thread, the pages the JavaScript
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
 * one V8 page (256 KiB) each. They are touched by a process sharing this
 * one's memory (toucher, below), so that one V8 or malloc unmaps meanwhile
 * ends that process, not the capture. Nothing else is touched (thread stacks,
 * malloc's arenas, the code space). Where the kernel lacks
 * MADV_POPULATE_WRITE (EINVAL) the thread does nothing more: a read of an
 * unpopulated page would map the shared zero page, and the write would
 * fault anyway.
 */
#define _GNU_SOURCE
#include "prefault.h"
#include "vm-child.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

typedef struct {
  const regions_t *r;
  long pg;
} touch_t;

/* A fault ends the toucher at once, without the default action's core dump:
 * before Linux 5.16 dumping core killed every process sharing the memory,
 * the capture too. */
static void toucher_fault(int sig) {
  (void)sig;
  syscall(SYS_exit_group, 1);
}

/*
 * Maps in and touches the regions, in a child sharing this process's
 * memory (vm-child.h): V8 or malloc may unmap a region between its madvise
 * and the reads, and a read of an unmapped page is a SIGSEGV, which would
 * end the capture; here it ends only the toucher. It runs on the prefault
 * thread's thread-local storage (errno) while that thread waits for it.
 */
static int toucher(void *arg) {
  const touch_t *t = arg;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = toucher_fault;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  close_every_fd();
  for (int i = 0; i < t->r->n; i++) {
    char *p = (char *)t->r->start[i];
    /* EINVAL: no such advice here; ENOMEM: the region went away (V8 freed
     * it) or memory is short. Either way, stop: this is only a head start. */
    if (madvise(p, V8_PAGE, MADV_POPULATE_WRITE) != 0) break;
    for (size_t o = 0; o < V8_PAGE; o += (size_t)t->pg) (void)__atomic_load_n((volatile uint64_t *)(p + o), __ATOMIC_RELAXED);
  }
  return 0;
}

/* The toucher's pid while it lives, 0 otherwise: no process to capture
 * (prefaultPid(); procfd-reader.ts's listPids and bin/launch.cjs leave it
 * out). `published` says it is known (or that there will be none):
 * js_prefault returns only then. `running`: a prefault is under way, and
 * another call starts none. */
static pid_t toucher_pid;
static int published, running;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void publish(pid_t pid) {
  pthread_mutex_lock(&mu);
  __atomic_store_n(&toucher_pid, pid, __ATOMIC_RELEASE);
  published = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void *prefault_thread(void *arg) {
  (void)arg;
  regions_t *r = malloc(sizeof *r);
  touch_t t = {r, sysconf(_SC_PAGESIZE)};
  if (t.pg <= 0) t.pg = 4096;
  void *stack = NULL;
  /* No exit signal: nothing of node's hears of it; waited for with __WALL. */
  pid_t c = r && v8_pages(r) == 0 ? vm_child(toucher, &t, 0, &stack) : -1;
  publish(c > 0 ? c : 0);
  if (c > 0)
    while (waitpid(c, NULL, __WALL) < 0 && errno == EINTR) {
    }
  __atomic_store_n(&toucher_pid, 0, __ATOMIC_RELEASE);
  if (stack) munmap(stack, VM_CHILD_STACK);
  free(r);
  __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
  return NULL;
}

napi_value js_prefault_pid(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_int32(env, __atomic_load_n(&toucher_pid, __ATOMIC_ACQUIRE), &v);
  return v;
}

napi_value js_prefault(napi_env env, napi_callback_info info) {
  (void)info;
  int started = 0;
  if (!__atomic_exchange_n(&running, 1, __ATOMIC_ACQ_REL)) {
    pthread_mutex_lock(&mu);
    published = 0;
    pthread_mutex_unlock(&mu);
    pthread_attr_t at;
    pthread_t th;
    if (pthread_attr_init(&at) == 0) {
      pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
      pthread_attr_setstacksize(&at, 64 << 10);
      started = pthread_create(&th, &at, prefault_thread, NULL) == 0;
      pthread_attr_destroy(&at);
    }
    if (!started) __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
    /* Back only once the toucher's pid is known (~0.2 ms: the maps are
     * read), so that no listing of /proc after this call takes it for a
     * process. */
    pthread_mutex_lock(&mu);
    while (started && !published) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
  }
  napi_value v;
  napi_get_boolean(env, started, &v);
  return v;
}
