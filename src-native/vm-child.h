/*
 * A child process that shares this one's address space (clone(CLONE_VM),
 * no CLONE_THREAD), for work that must outlive this process or must not
 * take it down with a fault: exit-early.c's keeper, prefault.c's toucher.
 * It gets a copy of the fd table, which it should close at once with
 * close_every_fd (no pipe of ours stays open in it), and runs on the
 * calling thread's thread-local storage: raw system calls only, nothing
 * allocated.
 */
#ifndef PROCFD_VM_CHILD_H
#define PROCFD_VM_CHILD_H
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define VM_CHILD_STACK (64u << 10)

/* Closes every fd of the calling process (close_range, else one by one). */
static inline void close_every_fd(void) {
  if (syscall(SYS_close_range, 0u, ~0u, 0u) != 0)
    for (int fd = 0; fd < 65536; fd++) syscall(SYS_close, fd);
}

/* Starts fn(arg) in such a child on a stack of its own (into *stack, for
 * munmap once the child is gone; it is left mapped when none started),
 * `exit_signal` sent to this process when it ends (0: none; wait for it
 * with __WALL). Its pid, or -1. */
static inline pid_t vm_child(int (*fn)(void *), void *arg, int exit_signal, void **stack) {
  *stack = mmap(NULL, VM_CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (*stack == MAP_FAILED) {
    *stack = NULL;
    return -1;
  }
  return clone(fn, (char *)*stack + VM_CHILD_STACK, CLONE_VM | exit_signal, arg);
}

#endif
