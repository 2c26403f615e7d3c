/*
 * exitEarly: ends a capture's process without making its caller wait for
 * its memory to be torn down.
 *
 * A capture holds ~100 MB when its image is written, and what comes after
 * is all teardown: node's exit handlers and destructors, then the kernel
 * unmapping every page. On a virtual machine with shadow page tables that
 * took 85 ms of a 470 ms capture here, while the image was already whole
 * and synced. As mold does, the teardown is left to another process: a
 * child made with CLONE_VM shares the address space, so when this process
 * exits the kernel only drops a reference to it; the child, holding no fd
 * (it closes its copy of the fd table first, so no pipe of ours stays open
 * in it), waits for this process to be gone and exits, and the unmapping
 * happens then, in the child, on another core. The caller's wait ends as
 * soon as this process has exited, with its exit code.
 *
 * exitEarly(code) does not return. Where the child cannot be made it exits
 * all the same (the teardown is then this process's, as before). What
 * node's own exit does that a capture needs is done here too: stdio's
 * O_NONBLOCK put back as it came. (A capture sets no terminal mode.) An
 * orphan is reaped by the nearest subreaper or init; under an init that
 * reaps nothing (node as PID 1 in a container), each capture leaves one
 * zombie: CKPT_EXIT_EARLY=0 there.
 */
#define _GNU_SOURCE
#include "exit-early.h"
#include "vm-child.h"

#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* fds 0-2's O_NONBLOCK as they came (exit_early_init, when the addon is
 * loaded, before node makes a stdio stream non-blocking): node puts them
 * back at its exit, which _exit skips, and a pipe's flag is its other
 * users' too (the next writer into a shell's pipe would get EAGAIN). */
static int stdio_flags[3] = {-1, -1, -1};

void exit_early_init(void) {
  static int done;
  if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL)) return; /* the first load's: another's would see node's own */
  for (int fd = 0; fd < 3; fd++) stdio_flags[fd] = fcntl(fd, F_GETFL);
}

static void stdio_restore(void) {
  for (int fd = 0; fd < 3; fd++) {
    if (stdio_flags[fd] < 0) continue;
    int now = fcntl(fd, F_GETFL);
    if (now >= 0 && (now & O_NONBLOCK) != (stdio_flags[fd] & O_NONBLOCK)) fcntl(fd, F_SETFL, (now & ~O_NONBLOCK) | (stdio_flags[fd] & O_NONBLOCK));
  }
}

/* The child (vm-child.h): gone once this process is. */
static int keeper(void *arg) {
  pid_t parent = (pid_t)(intptr_t)arg;
  close_every_fd();
  struct timespec ms = {0, 1000000};
  while (syscall(SYS_getppid) == parent) syscall(SYS_nanosleep, &ms, NULL);
  syscall(SYS_exit_group, 0);
  return 0;
}

napi_value js_exit_early(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) napi_get_value_int32(env, argv[0], &code);
  stdio_restore();
  /* No signal reaches the child before it is on its way out. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  void *stack;
  vm_child(keeper, (void *)(intptr_t)getpid(), SIGCHLD, &stack);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  _exit(code & 0xff);
}
