/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Remote syscalls in a ptrace-stopped thread, and the userfaultfd they create.
 *
 * The window in which the target's code or registers differ from its own is
 * a handful of microseconds: save, patch, run to the int3, restore. */
#include "inject.h"
#include "log.h"
#include "uffdtrace/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

int remote_begin(struct remote *r, pid_t tid)
{
	memset(r, 0, sizeof *r);
	r->tid = tid;
	if (ptrace(PTRACE_GETREGS, tid, 0, &r->saved) < 0)
		return -errno;
	/* Patch at the current PC: it is executable, and no other thread runs
	 * while we inject.  Keep the 8-byte word inside one page. */
	r->text = r->saved.rip;
	if ((r->text & 4095) > 4096 - 8)
		r->text -= 8;
	errno = 0;
	r->saved_text = ptrace(PTRACE_PEEKTEXT, tid, r->text, 0);
	if (errno)
		return -errno;
	return 0;
}

long remote_syscall(struct remote *r, long nr, uint64_t a1, uint64_t a2,
		    uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	/* syscall (0f 05); int3 (cc) */
	long code = (r->saved_text & ~0xffffffL) | 0xcc050fL;
	struct user_regs_struct regs = r->saved;
	regs.rip = r->text;
	regs.rax = nr;
	/* -1 keeps the kernel's syscall-restart logic away from our call. */
	regs.orig_rax = -1;
	regs.rdi = a1;
	regs.rsi = a2;
	regs.rdx = a3;
	regs.r10 = a4;
	regs.r8 = a5;
	regs.r9 = a6;
	if (ptrace(PTRACE_POKETEXT, r->tid, r->text, code) < 0 ||
	    ptrace(PTRACE_SETREGS, r->tid, 0, &regs) < 0 ||
	    ptrace(PTRACE_CONT, r->tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		int st;
		if (waitpid(r->tid, &st, __WALL) < 0)
			return -errno;
		if (!WIFSTOPPED(st))
			return -ESRCH;
		int sig = WSTOPSIG(st);
		if (sig == SIGTRAP && (st >> 16) == 0)
			break;
		/* A signal arrived for the thread: keep it for later. */
		if ((st >> 16) == 0 && sig != SIGTRAP)
			r->pending_signal = sig;
		if (ptrace(PTRACE_CONT, r->tid, 0, 0) < 0)
			return -errno;
	}
	if (ptrace(PTRACE_GETREGS, r->tid, 0, &regs) < 0)
		return -errno;
	debug_msg("remote syscall %ld in %d: %ld (rip %llx)", nr, r->tid, (long)regs.rax, regs.rip);
	return (long)regs.rax;
}

int remote_end(struct remote *r)
{
	int rc = 0;
	if (ptrace(PTRACE_POKETEXT, r->tid, r->text, r->saved_text) < 0)
		rc = -errno;
	if (ptrace(PTRACE_SETREGS, r->tid, 0, &r->saved) < 0)
		rc = -errno;
	return rc;
}

static int pidfd_getfd_from(pid_t pid, int remote_fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, remote_fd, 0);
	int e = errno;
	close(pidfd);
	return fd < 0 ? -e : fd;
}

static int remote_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec rem = { (void *)(uintptr_t)addr, len };
	return process_vm_writev(pid, &local, 1, &rem, 1, 0) == (ssize_t)len ? 0 : -EIO;
}

/* A target that may not call userfaultfd() itself (not root, and
 * vm.unprivileged_userfaultfd=0) gets a descriptor of /dev/userfaultfd that
 * the tracer opened, over a socket pair made inside the target; the access
 * check of that route is the open(), which the tracer passes. */
static long userfaultfd_via_dev(struct remote *r, pid_t pid)
{
	int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	long rc;
	long page = remote_syscall(r, SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page < 0 && page > -4096) {
		close(dev);
		return page;
	}
	uint64_t scratch = (uint64_t)page;
	int sv[2] = { -1, -1 };
	long target_dev = -1;
	int local_sock = -1;
	rc = remote_syscall(r, SYS_socketpair, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, scratch, 0, 0);
	if (rc < 0)
		goto out;
	rc = process_vm_readv(pid, &(struct iovec){ sv, sizeof sv }, 1,
			      &(struct iovec){ (void *)(uintptr_t)scratch, sizeof sv }, 1, 0);
	if (rc != sizeof sv) {
		rc = -EIO;
		goto out;
	}
	local_sock = pidfd_getfd_from(pid, sv[0]);
	if (local_sock < 0) {
		rc = local_sock;
		goto out;
	}
	{
		char dummy = 0;
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} c;
		memset(&c, 0, sizeof c);
		struct iovec iov = { &dummy, 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = c.buf, .msg_controllen = sizeof c.buf };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &dev, sizeof(int));
		if (sendmsg(local_sock, &mh, 0) < 0) {
			rc = -errno;
			goto out;
		}
	}
	/* Lay out the target's recvmsg arguments in the scratch page:
	 * msghdr at 0, iovec at 128, control buffer at 256, data at 512. */
	{
		struct msghdr mh = {
			.msg_iov = (void *)(uintptr_t)(scratch + 128), .msg_iovlen = 1,
			.msg_control = (void *)(uintptr_t)(scratch + 256),
			.msg_controllen = CMSG_SPACE(sizeof(int)),
		};
		struct iovec iov = { (void *)(uintptr_t)(scratch + 512), 1 };
		if (remote_write(pid, scratch, &mh, sizeof mh) < 0 ||
		    remote_write(pid, scratch + 128, &iov, sizeof iov) < 0) {
			rc = -EIO;
			goto out;
		}
	}
	rc = remote_syscall(r, SYS_recvmsg, sv[1], scratch, MSG_CMSG_CLOEXEC, 0, 0, 0);
	if (rc < 0)
		goto out;
	{
		char buf[CMSG_SPACE(sizeof(int))];
		if (process_vm_readv(pid, &(struct iovec){ buf, sizeof buf }, 1,
				     &(struct iovec){ (void *)(uintptr_t)(scratch + 256), sizeof buf }, 1, 0) != sizeof buf) {
			rc = -EIO;
			goto out;
		}
		int fd;
		memcpy(&fd, CMSG_DATA((struct cmsghdr *)buf), sizeof fd);
		target_dev = fd;
	}
	rc = remote_syscall(r, SYS_ioctl, target_dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK, 0, 0, 0);
out:
	if (target_dev >= 0)
		remote_syscall(r, SYS_close, target_dev, 0, 0, 0, 0, 0);
	if (sv[0] >= 0) {
		remote_syscall(r, SYS_close, sv[0], 0, 0, 0, 0, 0);
		remote_syscall(r, SYS_close, sv[1], 0, 0, 0, 0, 0);
	}
	remote_syscall(r, SYS_munmap, scratch, 4096, 0, 0, 0, 0);
	if (local_sock >= 0)
		close(local_sock);
	close(dev);
	return rc;
}

int inject_userfaultfd(struct remote *r, pid_t pid)
{
	long fd = remote_syscall(r, SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK, 0, 0, 0, 0, 0);
	if (fd == -EPERM || fd == -EACCES) {
		debug_msg("userfaultfd() denied in the target; using /dev/userfaultfd");
		fd = userfaultfd_via_dev(r, pid);
	}
	if (fd < 0)
		return (int)fd;
	int local = pidfd_getfd_from(pid, (int)fd);
	/* The tracer must hold the only reference: if it dies, the kernel then
	 * drops all protection and wakes every blocked thread. */
	remote_syscall(r, SYS_close, fd, 0, 0, 0, 0, 0);
	return local;
}
