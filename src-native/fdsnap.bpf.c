/*
 * fdsnap: the open fds of a task, read inside the kernel in one pass (a
 * BPF iterator over task files, attached for one task at a time) instead
 * of an openat/read/close of its fdinfo and a readlinkat per fd from user
 * space: about 0.5 us an fd against 5-7 us.
 *
 * Each record carries what /proc's fdinfo prints first (pos, flags with
 * O_CLOEXEC from the fd table, mnt_id, ino) and what readlink of
 * /proc/PID/fd/N gives (d_path of the file: the same function /proc calls,
 * from the reading thread's root), plus the identity of the open file and
 * of the fd table. It interprets nothing; where fdinfo would print more
 * (a kind's own lines, file locks) it says so, and the reader reads that
 * fd's fdinfo from /proc as before. bpf-snapshot.c loads it; user space
 * keeps every check the /proc reader makes.
 *
 * The types below are minimal declarations relocated by libbpf against
 * the running kernel's BTF (CO-RE): only names and member names matter,
 * so no kernel headers are needed to build this and one build runs on any
 * kernel with BTF, task-file iterators for one task and bpf_d_path (6.1 on).
 */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;

#define SEC(name) __attribute__((section(name), used))
#define CORE __attribute__((preserve_access_index))

struct seq_file;
/* The iterator's context is BPF ABI (each member a u64 slot): not
 * relocated, which spares libbpf two searches of the kernel's types. */
struct bpf_iter_meta {
  struct seq_file *seq;
};
struct vfsmount {
  void *mnt_root;
} CORE;
struct mount {
  struct vfsmount mnt;
  int mnt_id;
} CORE;
struct qstr {
  const unsigned char *name;
} CORE;
struct dentry {
  struct qstr d_name;
} CORE;
struct path {
  struct vfsmount *mnt;
  struct dentry *dentry;
} CORE;
struct file_system_type {
  const char *name;
} CORE;
struct super_block {
  unsigned int s_dev;
  struct file_system_type *s_type;
} CORE;
struct inode {
  unsigned short i_mode;
  unsigned long i_ino;
  void *i_flctx;
  struct super_block *i_sb;
  unsigned int __i_nlink;
  unsigned int i_rdev;
  __s64 i_size;
  __u64 i_blocks;
} CORE;
struct ext4_inode_info {
  unsigned long i_flags;
  struct inode vfs_inode;
  unsigned int i_reserved_data_blocks;
} CORE;
struct file_operations {
  void *show_fdinfo;
} CORE;
struct proto_ops {
  int family;
  void *show_fdinfo;
} CORE;
struct sock_common {
  unsigned char skc_state;
} CORE;
struct sock {
  struct sock_common __sk_common;
} CORE;
struct scm_stat {
  struct {
    int counter;
  } nr_fds;
} CORE;
struct unix_sock {
  struct sock sk;
  struct scm_stat scm_stat;
} CORE;
struct socket {
  short type;
  struct sock *sk;
  const struct proto_ops *ops;
} CORE;
struct eventfd_ctx {
  __u64 count;
  unsigned int flags;
  int id;
} CORE;
struct file {
  struct path f_path;
  struct inode *f_inode;
  const struct file_operations *f_op;
  unsigned int f_flags;
  __s64 f_pos;
  void *private_data;
} CORE;
struct fdtable {
  unsigned long *close_on_exec;
} CORE;
struct files_struct {
  struct fdtable *fdt;
} CORE;
struct task_struct {
  int pid;
  int tgid;
  __u64 start_boottime;
  struct files_struct *files;
} CORE;
struct bpf_iter__task_file {
  struct bpf_iter_meta *meta;
  struct task_struct *task;
  __u32 fd;
  struct file *file;
};

/* Helpers by number (include/uapi/linux/bpf.h): the numbers are ABI. */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)113;
static long (*bpf_seq_write)(struct seq_file *m, const void *data, __u32 len) = (void *)127;
static long (*bpf_d_path)(struct path *path, char *buf, __u32 sz) = (void *)147;

#define PATH_BYTES 4096
#define O_CLOEXEC 02000000
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define AF_UNIX 1
#define SOCK_DGRAM 2
#define TCP_ESTABLISHED 1
#define TCP_LISTEN 10

/* Kinds whose own fdinfo lines the record carries the figures of (struct
 * rec's own), for user space to print as the kernel does: bpf-snapshot.h. */
#define OWN_EVENTFD 1 /* eventfd_show_fdinfo: count, id, semaphore */
#define OWN_UNIX 2    /* unix_show_fdinfo: scm_fds */

/* Layout shared with bpf-snapshot.h (snap_rec_t). One record at a time
 * per CPU: bpf-snapshot.c takes one pass at a time in its process, so a
 * preempted pass never shares this scratch space with another. */
struct rec {
  __u32 tgid, tid, fd;
  __s32 plen; /* bytes of path with its NUL, or -errno from d_path */
  __u64 file, files;
  __s64 pos;
  __u64 ino;
  __u32 flags, mnt_id;
  __u32 mode;
  __u32 more; /* fdinfo prints lines after the common four: read it from /proc */
  __u64 start; /* the task's start_boottime: /proc/PID/stat's starttime, in ns */
  __u32 own;    /* OWN_*: fdinfo's own lines are these figures', more is 0 */
  __s32 own_id;
  __u64 own_count;
  __u32 own_flags;
  /* stat's figures, where they are the inode's as they stand (st_ok): an
   * ext4 inode with no delayed allocation and no inline data, whose
   * getattr adds nothing to generic_fillattr's. Devices as the kernel
   * encodes them (major << 20 | minor). */
  __u32 st_ok;
  __u32 st_dev, st_rdev;
  __u32 st_nlink, pad;
  __s64 st_size;
  __u64 st_blocks;
  char path[PATH_BYTES];
};

struct {
  int (*type)[6];        /* BPF_MAP_TYPE_PERCPU_ARRAY */
  int (*max_entries)[1];
  __u32 *key;
  struct rec *value;
} scratch SEC(".maps");

char LICENSE[] SEC("license") = "GPL";

#define EXT4_INLINE_DATA_FL 0x10000000

/* Whether the running kernel's BTF has this member of this type (CO-RE's
 * field-exists relocation, BPF_FIELD_EXISTS): code behind a false one is
 * dead, and its other relocations, which the kernel could not resolve,
 * never run. */
#define HAS_FIELD(type, field) __builtin_preserve_field_info(((type *)0)->field, 2)

/* stat's figures of an inode where generic_fillattr's are all there is to
 * them (struct rec's st_ok). On ext4 only: its getattr adds delayed
 * allocation's reserved blocks and an inline file's size to st_blocks, so
 * an inode with either is left to statx. */
static __attribute__((always_inline)) void stat_of(struct inode *inode, struct rec *r) {
  /* (common() has zeroed the st_ fields: st_ok 0 unless set below.) */
  struct super_block *sb = inode->i_sb;
  if (!sb) return;
  char fs[6] = {};
  bpf_probe_read_kernel(fs, sizeof fs, sb->s_type->name);
  if (fs[0] != 'e' || fs[1] != 'x' || fs[2] != 't' || fs[3] != '4' || fs[4] != 0) return;
  /* A kernel whose BTF has no ext4 (a module not loaded, or none built):
   * its files keep their statx, and the program still loads. */
  if (!HAS_FIELD(struct ext4_inode_info, vfs_inode) || !HAS_FIELD(struct ext4_inode_info, i_flags) ||
      !HAS_FIELD(struct ext4_inode_info, i_reserved_data_blocks))
    return;
  char *ei = (char *)inode - __builtin_preserve_field_info(((struct ext4_inode_info *)0)->vfs_inode, 0);
  unsigned long flags = 0;
  unsigned int reserved = 1;
  bpf_probe_read_kernel(&flags, sizeof flags, ei + __builtin_preserve_field_info(((struct ext4_inode_info *)0)->i_flags, 0));
  bpf_probe_read_kernel(&reserved, sizeof reserved, ei + __builtin_preserve_field_info(((struct ext4_inode_info *)0)->i_reserved_data_blocks, 0));
  if (reserved || (flags & EXT4_INLINE_DATA_FL)) return;
  r->st_dev = sb->s_dev;
  r->st_rdev = inode->i_rdev;
  r->st_nlink = inode->__i_nlink;
  r->st_size = inode->i_size;
  r->st_blocks = inode->i_blocks;
  r->st_ok = 1;
}

/* What both passes write of an fd: which fd of which task and table, its
 * open file, and fdinfo's first four lines. */
static __attribute__((always_inline)) struct rec *common(struct bpf_iter__task_file *ctx) {
  struct task_struct *task = ctx->task;
  struct file *file = ctx->file;
  if (!task || !file) return 0;
  __u32 zero = 0;
  struct rec *r = bpf_map_lookup_elem(&scratch, &zero);
  if (!r) return 0;
  __u32 fd = ctx->fd;
  r->tgid = task->tgid;
  r->tid = task->pid;
  r->fd = fd;
  r->file = (__u64)file;
  r->start = task->start_boottime;
  struct files_struct *files = task->files;
  r->files = (__u64)files;
  r->pos = file->f_pos;
  struct inode *inode = file->f_inode;
  r->ino = inode->i_ino;
  r->mode = inode->i_mode;

  /* fdinfo's flags: f_flags, with O_CLOEXEC from the table's bitmap. */
  __u32 flags = file->f_flags;
  unsigned long *bits = files->fdt->close_on_exec;
  unsigned long word = 0;
  bpf_probe_read_kernel(&word, sizeof word, bits + fd / 64);
  if (word & (1UL << (fd % 64))) flags |= O_CLOEXEC;
  r->flags = flags;

  /* real_mount(f_path.mnt)->mnt_id */
  struct vfsmount *vm = file->f_path.mnt;
  struct mount *m = (struct mount *)((char *)vm - __builtin_preserve_field_info(((struct mount *)0)->mnt, 0));
  int mnt_id = 0;
  bpf_probe_read_kernel(&mnt_id, sizeof mnt_id, (char *)m + __builtin_preserve_field_info(((struct mount *)0)->mnt_id, 0));
  r->mnt_id = mnt_id;
  r->plen = 0;
  r->more = 0;
  r->own = 0;
  r->own_id = 0;
  r->own_count = 0;
  r->own_flags = 0;
  r->pad = 0;
  r->st_ok = 0;
  r->st_dev = r->st_rdev = r->st_nlink = 0;
  r->st_size = 0;
  r->st_blocks = 0;
  return r;
}

/*
 * The lines a file's show_fdinfo prints after fdinfo's four, for a record:
 * OWN_* when the record now carries their figures, 0 when it prints none,
 * -1 when it prints what only /proc gives.
 */

/* sock_show_fdinfo prints only what its protocol's does: unix_show_fdinfo's
 * scm_fds, read without a lock where the kernel reads it without one (a
 * datagram or connected socket); a listening one counts its queue under
 * the lock: from /proc. */
static __attribute__((always_inline)) int socket_lines(struct file *file, struct rec *r) {
  /* private_data is a void *: the verifier lets it be read only by probe. */
  char *sock = file->private_data, *ops = 0, *show = 0, *sk = 0;
  int family = 0;
  if (sock) bpf_probe_read_kernel(&ops, sizeof ops, sock + __builtin_preserve_field_info(((struct socket *)0)->ops, 0));
  if (!ops) return -1;
  bpf_probe_read_kernel(&show, sizeof show, ops + __builtin_preserve_field_info(((struct proto_ops *)0)->show_fdinfo, 0));
  if (!show) return 0;
  bpf_probe_read_kernel(&family, sizeof family, ops + __builtin_preserve_field_info(((struct proto_ops *)0)->family, 0));
  if (family != AF_UNIX || !HAS_FIELD(struct socket, sk) || !HAS_FIELD(struct socket, type) || !HAS_FIELD(struct unix_sock, sk) ||
      !HAS_FIELD(struct unix_sock, scm_stat))
    return -1;
  unsigned char state = 0;
  short type = 0;
  int nr = 0;
  bpf_probe_read_kernel(&sk, sizeof sk, sock + __builtin_preserve_field_info(((struct socket *)0)->sk, 0));
  bpf_probe_read_kernel(&type, sizeof type, sock + __builtin_preserve_field_info(((struct socket *)0)->type, 0));
  if (!sk) return -1;
  bpf_probe_read_kernel(&state, sizeof state, sk + __builtin_preserve_field_info(((struct sock *)0)->__sk_common.skc_state, 0));
  if (state == TCP_LISTEN) return -1;
  if (type == SOCK_DGRAM || state == TCP_ESTABLISHED)
    bpf_probe_read_kernel(&nr, sizeof nr,
                          sk - __builtin_preserve_field_info(((struct unix_sock *)0)->sk, 0) +
                              __builtin_preserve_field_info(((struct unix_sock *)0)->scm_stat.nr_fds, 0));
  r->own_count = (__u32)nr;
  return OWN_UNIX;
}

/* eventfd_show_fdinfo: count, id, semaphore. An eventfd is the file whose
 * dentry is named "[eventfd]" (anon_inode_getfile); any other kind: /proc. */
static __attribute__((always_inline)) int eventfd_lines(struct file *file, struct rec *r) {
  char *ctx = file->private_data;
  char name[10] = {};
  bpf_probe_read_kernel(name, sizeof name, file->f_path.dentry->d_name.name);
  if (!ctx || name[0] != '[' || name[1] != 'e' || name[2] != 'v' || name[3] != 'e' || name[4] != 'n' || name[5] != 't' || name[6] != 'f' ||
      name[7] != 'd' || name[8] != ']' || name[9] != 0 || !HAS_FIELD(struct eventfd_ctx, count) || !HAS_FIELD(struct eventfd_ctx, flags) ||
      !HAS_FIELD(struct eventfd_ctx, id))
    return -1;
  bpf_probe_read_kernel(&r->own_count, sizeof r->own_count, ctx + __builtin_preserve_field_info(((struct eventfd_ctx *)0)->count, 0));
  bpf_probe_read_kernel(&r->own_flags, sizeof r->own_flags, ctx + __builtin_preserve_field_info(((struct eventfd_ctx *)0)->flags, 0));
  bpf_probe_read_kernel(&r->own_id, sizeof r->own_id, ctx + __builtin_preserve_field_info(((struct eventfd_ctx *)0)->id, 0));
  return OWN_EVENTFD;
}

/* The second pass (bpf-snapshot.c's snap_task, light): which fds hold
 * which open file now, no path, no figures; user space compares them with
 * the first pass's. */
SEC("iter/task_file")
int fdsnap_ids(struct bpf_iter__task_file *ctx) {
  struct rec *r = common(ctx);
  if (r) bpf_seq_write(ctx->meta->seq, r, __builtin_offsetof(struct rec, path));
  return 0;
}

SEC("iter/task_file")
int fdsnap(struct bpf_iter__task_file *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct task_struct *task = ctx->task;
  struct file *file = ctx->file;
  if (!task || !file) return 0;
  struct rec *r = common(ctx);
  if (!r) return 0;
  struct inode *inode = file->f_inode;

  /* What fdinfo prints after its four lines: show_fd_locks (only with a
   * lock context) and the file's show_fdinfo, whose lines the record
   * carries the figures of for the kinds own_lines knows. A task whose
   * table went while it was read (it is exiting) gave no close-on-exec
   * bit: /proc says what there is. */
  stat_of(inode, r);
  int lines = 0;
  if (file->f_op->show_fdinfo) lines = (inode->i_mode & S_IFMT) == S_IFSOCK ? socket_lines(file, r) : eventfd_lines(file, r);
  /* Locks print after the kind's lines: all from /proc then. */
  r->more = inode->i_flctx != 0 || !task->files || lines < 0;
  r->own = r->more ? 0 : (__u32)lines;

  long n = bpf_d_path(&file->f_path, r->path, PATH_BYTES);
  r->plen = (__s32)n;
  /* Padded to 8 bytes, so every record in the stream is aligned. */
  __u32 len = __builtin_offsetof(struct rec, path);
  if (n > 0) len = (len + ((__u32)n & (2 * PATH_BYTES - 1)) + 7) & ~7u;
  if (len > sizeof *r) len = sizeof *r;
  bpf_seq_write(seq, r, len);
  return 0;
}
