/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test harness for unwind_sample(): unwinds real perf page-fault samples of unwind-sample-target. */
#define _GNU_SOURCE
#include <asm/perf_regs.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsite.h"

/*
 * Usage (as root): unwind-sample-check TARGET...
 *   Each TARGET is an unwind-sample-target binary with symbols.  For each,
 *   a kernel-mode fault (read() into a fresh page) and a user-mode fault
 *   (store into a fresh page) are sampled with perf and unwound, then the
 *   kernel-mode case again with the binary deleted after exec.
 *
 * Build (until wired into make check):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -I src -o unwind-sample-check \
 *       src/symbols.c src/unwind.c tests/unwind-sample-check.c \
 *       $(pkg-config --cflags --libs libelf libdw \
 *         libunwind-ptrace libunwind-generic)
 *   gcc -g -O0 -o unwind-sample-target-g tests/unwind-sample-target.c
 *   gcc -O2 -fomit-frame-pointer -o unwind-sample-target-O2 \
 *       tests/unwind-sample-target.c
 *   sudo ./unwind-sample-check ./unwind-sample-target-g \
 *       ./unwind-sample-target-O2
 */

#define RING_PAGES 64 /* data pages; a sample is about 16.6 KiB */
#define STACK_COPY 16384
#define MAX_FRAMES 64
#define WARM_RUNS 20000

/* All general registers; the kernel rejects the segment ones on x86-64. */
#define REGS_MASK                                                        \
	(((1ULL << PERF_REG_X86_64_MAX) - 1) &                            \
	 ~((1ULL << PERF_REG_X86_DS) | (1ULL << PERF_REG_X86_ES) |        \
	   (1ULL << PERF_REG_X86_FS) | (1ULL << PERF_REG_X86_GS)))

static int failures, passes;

__attribute__((format(printf, 2, 3))) static void check(bool ok,
							 const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		passes++;
	else
		failures++;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A running target: pid, its stdin (write end) and stdout (read end). */
struct target {
	pid_t pid;
	int in;
	FILE *out;
};

static bool start_target(struct target *t, const char *path,
			 const char *mode)
{
	int to[2], from[2];
	char line[64];

	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return false;
	t->pid = fork();
	if (t->pid < 0)
		return false;
	if (t->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		execl(path, path, mode, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	t->in = to[1];
	t->out = fdopen(from[0], "r");
	return t->out && fgets(line, sizeof(line), t->out) &&
	       !strcmp(line, "READY\n");
}

static void stop_target(struct target *t)
{
	int st;

	if (t->in >= 0)
		close(t->in);
	if (t->out)
		fclose(t->out);
	if (t->pid > 0 && waitpid(t->pid, &st, 0) != t->pid)
		kill(t->pid, SIGKILL);
}

static int open_event(pid_t pid, bool user_mode)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_ADDR |
			       PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
		.sample_regs_user = REGS_MASK,
		.sample_stack_user = STACK_COPY,
		/* Kernel-mode faults still carry the user registers from
		 * syscall entry, which is what we unwind from. */
		.exclude_user = !user_mode,
		.exclude_kernel = user_mode,
		.exclude_hv = 1,
	};

	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

/* Copy LEN bytes at offset OFF of the ring's data area, which wraps. */
static void ring_copy(void *dst, const uint8_t *data, uint64_t size,
		      uint64_t off, size_t len)
{
	size_t first;

	off %= size;
	first = len < size - off ? len : size - off;
	memcpy(dst, data + off, first);
	memcpy((uint8_t *)dst + first, data, len - first);
}

/* One parsed PERF_RECORD_SAMPLE. */
struct sample {
	uint32_t pid, tid;
	uint64_t addr, abi;
	uint64_t regs[PERF_REG_X86_64_MAX];
	uint64_t size, dyn_size;
	const uint8_t *stack;
};

static bool parse_sample(const uint8_t *rec, size_t len, struct sample *s)
{
	const uint8_t *p = rec + sizeof(struct perf_event_header);
	const uint8_t *end = rec + len;
	uint64_t v;

#define TAKE(dst, n)                                   \
	do {                                           \
		if ((size_t)(end - p) < (n))           \
			return false;                  \
		memcpy((dst), p, (n));                 \
		p += (n);                              \
	} while (0)
	memset(s, 0, sizeof(*s));
	TAKE(&s->pid, 4);
	TAKE(&s->tid, 4);
	TAKE(&s->addr, 8);
	TAKE(&s->abi, 8);
	if (s->abi != PERF_SAMPLE_REGS_ABI_NONE) {
		for (int r = 0; r < PERF_REG_X86_64_MAX; r++) {
			if (!(REGS_MASK & (1ULL << r)))
				continue;
			TAKE(&v, 8);
			s->regs[r] = v;
		}
	}
	TAKE(&s->size, 8);
	if (s->size) {
		if ((uint64_t)(end - p) < s->size)
			return false;
		s->stack = p;
		p += s->size;
		TAKE(&s->dyn_size, 8);
		if (s->dyn_size > s->size)
			return false;
	}
#undef TAKE
	return true;
}

static const char *fname(const struct frame_info *f)
{
	return f->function ? f->function : "?";
}

/* Symbolize and print the frames; returns them in FR. */
static void symbolize_frames(struct symbolizer *sym, const uint64_t *ips,
			     int n, struct frame_info *fr)
{
	for (int i = 0; i < n; i++) {
		/* A return address may be the first byte of the next
		 * function, so name the call instruction instead. */
		if (symbolize(sym, i ? ips[i] - 1 : ips[i], &fr[i]))
			memset(&fr[i], 0, sizeof(fr[i]));
		printf("    #%-2d %#014" PRIx64 " %s %s+%#" PRIx64 "\n", i,
		       ips[i], fr[i].module ? fr[i].module : "?",
		       fname(&fr[i]), fr[i].offset);
	}
}

static void check_sample(const char *what, pid_t pid, const struct sample *s,
			 bool kernel_mode)
{
	static const char *const chain[] = { "f3", "f2", "f1", "f0", "main" };
	struct unwinder *u = unwinder_new(pid);
	struct symbolizer *sym = symbolizer_new(pid);
	struct frame_info fr[MAX_FRAMES];
	uint64_t ips[MAX_FRAMES], ips2[MAX_FRAMES];
	uint64_t sp = s->regs[PERF_REG_X86_SP];
	int n, n2, base = kernel_mode ? 1 : 0;
	long long t0, cold, warm;
	bool ok;

	if (!u || !sym) {
		check(false, "%s: unwinder/symbolizer for pid %d", what,
		      (int)pid);
		goto out;
	}
	t0 = now_ns();
	n = unwind_sample(u, s->regs, sp, s->stack, s->dyn_size, ips,
			  MAX_FRAMES);
	cold = now_ns() - t0;
	printf("  %s: %d frames (sp %#" PRIx64 ", %" PRIu64
	       " stack bytes)\n",
	       what, n, sp, s->dyn_size);
	if (n < 0) {
		check(false, "%s: unwind_sample", what);
		goto out;
	}
	symbolize_frames(sym, ips, n, fr);
	check(ips[0] == s->regs[PERF_REG_X86_IP], "%s: ips[0] is the sample ip",
	      what);
	if (kernel_mode)
		check(n > 0 && fr[0].function && strstr(fr[0].function, "read"),
		      "%s: frame 0 is read (%s)", what, fname(&fr[0]));
	ok = n >= base + 5;
	for (int i = 0; ok && i < 5; i++)
		ok = fr[base + i].function &&
		     !strcmp(fr[base + i].function, chain[i]);
	check(ok, "%s: %sf3 <- f2 <- f1 <- f0 <- main", what,
	      kernel_mode ? "read <- " : "");

	/* Warm cost: the unwind tables and register states are cached. */
	t0 = now_ns();
	for (int i = 0; i < WARM_RUNS; i++)
		n2 = unwind_sample(u, s->regs, sp, s->stack, s->dyn_size, ips2,
				   MAX_FRAMES);
	warm = (now_ns() - t0) / WARM_RUNS;
	check(n2 == n && !memcmp(ips, ips2, n * sizeof(ips[0])),
	      "%s: warm unwinds agree with the first", what);
	printf("  COST %s: first %lld us, warm %lld ns/unwind (%d frames)\n",
	       what, cold / 1000, warm, n);

	/* After a flush the lookups start over and must still agree. */
	unwinder_flush(u);
	n2 = unwind_sample(u, s->regs, sp, s->stack, s->dyn_size, ips2,
			   MAX_FRAMES);
	check(n2 == n && !memcmp(ips, ips2, n * sizeof(ips[0])),
	      "%s: same frames after unwinder_flush", what);
	check(unwind_sample(u, NULL, sp, s->stack, s->dyn_size, ips2,
			    MAX_FRAMES) == -1 &&
		      unwind_sample(u, s->regs, sp, s->stack, s->dyn_size,
				    ips2, 0) == -1,
	      "%s: bad arguments give -1", what);
out:
	symbolizer_free(sym);
	unwinder_free(u);
}

/* Run TARGET in MODE under a page-fault perf event and unwind the sample
 * of the fault on the fresh page.  With UNLINK, delete the binary first. */
static void run(const char *path, const char *mode, const char *label,
		bool unlink_after_exec)
{
	bool kernel_mode = !strcmp(mode, "read");
	struct target t = { .pid = -1, .in = -1, .out = NULL };
	long psz = sysconf(_SC_PAGESIZE);
	size_t maplen = (size_t)(RING_PAGES + 1) * psz;
	struct perf_event_mmap_page *mp = MAP_FAILED;
	uint64_t head, tail, page = 0, dsize;
	uint8_t *rec = NULL, *data;
	struct perf_event_header hdr;
	struct sample s;
	char line[64], what[256];
	int fd = -1, nsamples = 0, lost = 0;
	bool found = false;

	snprintf(what, sizeof(what), "%s %s%s", label, mode,
		 unlink_after_exec ? " (deleted binary)" : "");
	if (!start_target(&t, path, mode)) {
		check(false, "%s: start target", what);
		goto out;
	}
	if (unlink_after_exec)
		unlink(path);
	/* The target is blocked reading stdin: nothing happens before go. */
	fd = open_event(t.pid, !kernel_mode);
	if (fd < 0) {
		check(false, "%s: perf_event_open: %s", what, strerror(errno));
		goto out;
	}
	mp = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mp == MAP_FAILED) {
		check(false, "%s: mmap ring: %s", what, strerror(errno));
		goto out;
	}
	if (write(t.in, "g", 1) != 1 || !fgets(line, sizeof(line), t.out) ||
	    sscanf(line, "DONE %" SCNx64, &page) != 1) {
		check(false, "%s: target did not finish", what);
		goto out;
	}
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);

	data = (uint8_t *)mp + (mp->data_offset ? mp->data_offset : (uint64_t)psz);
	dsize = mp->data_size ? mp->data_size : (uint64_t)RING_PAGES * psz;
	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	tail = mp->data_tail;
	rec = malloc(65536);
	while (rec && tail + sizeof(hdr) <= head) {
		ring_copy(&hdr, data, dsize, tail, sizeof(hdr));
		if (hdr.size < sizeof(hdr) || tail + hdr.size > head)
			break;
		ring_copy(rec, data, dsize, tail, hdr.size);
		tail += hdr.size;
		if (hdr.type == PERF_RECORD_LOST) {
			lost++;
			continue;
		}
		if (hdr.type != PERF_RECORD_SAMPLE)
			continue;
		nsamples++;
		if (!parse_sample(rec, hdr.size, &s)) {
			check(false, "%s: malformed sample", what);
			continue;
		}
		if (found || s.pid != (uint32_t)t.pid || s.addr < page ||
		    s.addr - page >= (uint64_t)psz)
			continue;
		found = true;
		/* The kernel trims the copy at the top of the address
		 * space, so SIZE can be below what was asked. */
		check(s.abi == PERF_SAMPLE_REGS_ABI_64 && s.size <= STACK_COPY &&
			      s.dyn_size > 0,
		      "%s: sample has 64-bit regs and a stack copy (abi %" PRIu64
		      ", %" PRIu64 "/%" PRIu64 " bytes)",
		      what, s.abi, s.dyn_size, s.size);
		check_sample(what, t.pid, &s, kernel_mode);
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	check(found, "%s: sampled the fault at %#" PRIx64 " (%d samples, %d lost)",
	      what, page, nsamples, lost);
out:
	free(rec);
	if (mp != MAP_FAILED)
		munmap(mp, maplen);
	if (fd >= 0)
		close(fd);
	stop_target(&t);
}

/* Copy PATH to a temporary file that run() can delete after exec. */
static bool copy_binary(const char *path, char *tmp)
{
	int in = open(path, O_RDONLY | O_CLOEXEC), out = mkostemp(tmp, O_CLOEXEC);
	struct stat st;
	bool ok = in >= 0 && out >= 0 && !fstat(in, &st) &&
		  sendfile(out, in, NULL, st.st_size) == st.st_size &&
		  !fchmod(out, 0700);

	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (!ok && out >= 0)
		unlink(tmp);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s TARGET...\n", argv[0]);
		return 2;
	}
	/* Never die writing to a target that already exited. */
	signal(SIGPIPE, SIG_IGN);
	for (int a = 1; a < argc; a++) {
		char tmp[] = "/tmp/unwind-sample-XXXXXX";

		run(argv[a], "read", argv[a], false);
		run(argv[a], "store", argv[a], false);
		/* The file behind the mapping is gone: the map_files
		 * fallback must find the unwind table. */
		if (copy_binary(argv[a], tmp)) {
			run(tmp, "read", argv[a], true);
			unlink(tmp);
		} else {
			check(false, "copy %s for the deleted-binary test",
			      argv[a]);
		}
	}
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
