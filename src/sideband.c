/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Perf side-band records (PERF_RECORD_MMAP2) report every new mapping of the
 * target with no side effect on it: unlike a seccomp filter, nothing is left
 * behind when the tracer goes away.  The records are asynchronous; the
 * engine makes up for that by counting the pages found dirty at protection.
 *
 * With --capture=stack, page faults taken in kernel mode are sampled into the
 * same buffers with the user registers and stack: a syscall that writes into
 * a protected page is unwound from its sample, so the thread is never stopped
 * in (or interrupted out of) its syscall. */
#include "sideband.h"
#include "event.h"
#include "log.h"

#include <errno.h>
#include <asm/perf_regs.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RING_PAGES 64          /* data pages per CPU, a power of two */
#define RING_PAGES_SAMPLES 512 /* ... when stacks are sampled too */
#define STACK_BYTES 16384      /* user stack copied per sample */
/* Wake no one until the sample ring is nearly full: it is read when needed. */
#define SAMPLE_WAKEUP (RING_PAGES_SAMPLES * 4096 / 4 * 3)
#define SAMPLE_REGS_MASK (((1ULL << PERF_REG_X86_64_MAX) - 1) & \
			  ~((1ULL << PERF_REG_X86_DS) | (1ULL << PERF_REG_X86_ES) | \
			    (1ULL << PERF_REG_X86_FS) | (1ULL << PERF_REG_X86_GS)))

struct ring {
	int cpu;
	bool samples; /* fault samples: read when needed, never woken for */
	int fd; /* the event that owns the buffer */
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	size_t size;
};

/* Two rings per CPU: side-band records, polled so that a new mapping is
 * protected at once; and fault samples, which would cost the target a
 * wake-up per sample if anyone were woken for them. */
struct sideband {
	struct ring *rings; /* ncpu side-band rings, then ncpu sample rings */
	int nrings, ncpu;
	int *extra; /* events that write into a ring they do not own */
	size_t nextra, capextra;
	long page;
	bool kernel_faults, touches;
	uint64_t *fault_ids, *touch_ids; /* sample identifiers of each kind */
	size_t nfault_ids, ntouch_ids;
	unsigned char *rec; /* one record, copied out of the ring */
};

/* Every page fault of TID (and what it starts) on CPU, sampled into a ring
 * that wakes no one; the caller says what a sample holds and which mode.
 * Samples of two such events share a ring: the identifier, first in each
 * sample, tells them apart (inherited copies report their parent's). */
static int perf_open_sampler(pid_t tid, int cpu, struct perf_event_attr *a)
{
	a->size = sizeof *a;
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_PAGE_FAULTS;
	a->sample_period = 1;
	a->sample_type |= PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR;
	a->inherit = 1;
	a->watermark = 1;
	a->wakeup_watermark = SAMPLE_WAKEUP;
	a->exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int perf_open_faults(pid_t tid, int cpu)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.sample_type = PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	a.sample_regs_user = SAMPLE_REGS_MASK;
	a.sample_stack_user = STACK_BYTES;
	/* Only faults taken in kernel mode: user-mode ones are captured at a
	 * ptrace stop, where the registers are exact and cheap. */
	a.exclude_user = 1;
	return perf_open_sampler(tid, cpu, &a);
}

/* Page faults taken in user mode, with the faulting instruction only: the
 * first touch of a page before uffdtrace protected its mapping names its
 * writer, at the cost of a small sample per fault. */
static int perf_open_touches(pid_t tid, int cpu)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.sample_type = PERF_SAMPLE_IP;
	a.exclude_kernel = 1;
	return perf_open_sampler(tid, cpu, &a);
}

static int perf_open(pid_t tid, int cpu)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.mmap = 1;
	a.mmap2 = 1;
	a.mmap_data = 1;
	a.inherit = 1; /* new threads and children report too */
	a.sample_id_all = 1;
	a.sample_type = PERF_SAMPLE_TID;
	a.watermark = 1;
	a.wakeup_watermark = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

struct sideband *sideband_new(bool kernel_faults, bool touches)
{
	struct sideband *sb = xcalloc(1, sizeof *sb);
	sb->page = sysconf(_SC_PAGESIZE);
	sb->kernel_faults = kernel_faults;
	sb->touches = touches;
	sb->rec = xmalloc(1 << 16); /* the largest record perf writes */
	int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	sb->ncpu = ncpu;
	sb->rings = xcalloc(2 * (size_t)ncpu, sizeof *sb->rings);
	for (int cpu = 0; cpu < ncpu; cpu++)
		sb->rings[sb->nrings++] = (struct ring){ .cpu = cpu, .fd = -1 };
	for (int cpu = 0; cpu < ncpu; cpu++)
		sb->rings[sb->nrings++] = (struct ring){ .cpu = cpu, .samples = true, .fd = -1 };
	return sb;
}

void sideband_free(struct sideband *sb)
{
	if (!sb)
		return;
	for (int i = 0; i < sb->nrings; i++) {
		struct ring *r = &sb->rings[i];
		if (r->meta)
			munmap(r->meta, r->size + (size_t)sb->page);
		if (r->fd >= 0)
			close(r->fd);
	}
	for (size_t i = 0; i < sb->nextra; i++)
		close(sb->extra[i]);
	free(sb->extra);
	free(sb->rings);
	free(sb->rec);
	free(sb->fault_ids);
	free(sb->touch_ids);
	free(sb);
}

static void add_extra(struct sideband *sb, int fd)
{
	if (sb->nextra == sb->capextra)
		sb->extra = xrealloc(sb->extra, (sb->capextra = sb->capextra ? sb->capextra * 2 : 16) * sizeof(int));
	sb->extra[sb->nextra++] = fd;
}

/* Map ring R, owned by event FD.  Returns 0 or -errno. */
static int map_ring(struct sideband *sb, struct ring *r, int fd, size_t pages)
{
	r->size = (size_t)sb->page * pages;
	void *m = mmap(NULL, r->size + (size_t)sb->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	r->fd = fd;
	r->meta = m;
	r->data = (unsigned char *)m + sb->page;
	return 0;
}

/* Send sampling event FD into sample ring R, and note its identifier. */
static void add_sampler(struct sideband *sb, struct ring *r, int fd, uint64_t **ids, size_t *n)
{
	uint64_t id;
	if (fd < 0)
		return;
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0) {
		close(fd);
		return;
	}
	if (r->fd < 0) {
		if (map_ring(sb, r, fd, RING_PAGES_SAMPLES) < 0) {
			close(fd);
			return;
		}
	} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
		close(fd);
		return;
	} else {
		add_extra(sb, fd);
	}
	*ids = xrealloc(*ids, (*n + 1) * sizeof **ids);
	(*ids)[(*n)++] = id;
}

static bool has_id(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int sideband_follow(struct sideband *sb, pid_t tid)
{
	int opened = 0, err = 0;
	for (int i = 0; i < sb->ncpu; i++) {
		struct ring *r = &sb->rings[i], *sr = &sb->rings[sb->ncpu + i];
		int fd = perf_open(tid, r->cpu);
		if (fd < 0) {
			err = errno;
			continue; /* an offline CPU */
		}
		if (r->fd < 0) {
			int rc = map_ring(sb, r, fd, RING_PAGES);
			if (rc < 0) {
				err = -rc;
				close(fd);
				continue;
			}
		} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
			err = errno;
			close(fd);
			continue;
		} else {
			add_extra(sb, fd);
		}
		if (sb->kernel_faults)
			add_sampler(sb, sr, perf_open_faults(tid, r->cpu), &sb->fault_ids, &sb->nfault_ids);
		if (sb->touches)
			add_sampler(sb, sr, perf_open_touches(tid, r->cpu), &sb->touch_ids, &sb->ntouch_ids);
		opened++;
	}
	return opened ? 0 : -err;
}

int sideband_nfds(const struct sideband *sb)
{
	return sb->ncpu; /* the side-band rings only */
}

int sideband_fd(const struct sideband *sb, int i)
{
	return sb->rings[i].fd;
}

struct mmap2_rec {
	struct perf_event_header h;
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
	char filename[];
};

/* Perf names anonymous memory "//anon"; the rest as /proc/PID/maps does. */
static int mapping_name_kind(const char *name)
{
	if (strcmp(name, "//anon") == 0 || strncmp(name, "[anon:", 6) == 0)
		return REGION_ANON;
	if (strcmp(name, "[heap]") == 0)
		return REGION_HEAP;
	if (strncmp(name, "[stack", 6) == 0)
		return REGION_STACK;
	return -1;
}

bool sideband_pending(const struct sideband *sb)
{
	for (int i = 0; i < sb->nrings; i++) {
		const struct ring *r = &sb->rings[i];
		if (r->meta && __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE) != r->meta->data_tail)
			return true;
	}
	return false;
}

/* PERF_RECORD_SAMPLE of the user-mode fault event: ip; pid, tid; addr. */
static void parse_touch(const unsigned char *p, const unsigned char *end,
			const struct sideband_ops *ops, void *arg)
{
	uint64_t ip, addr;
	uint32_t ids[2];
	if (p + 24 > end)
		return;
	memcpy(&ip, p, 8);
	memcpy(ids, p + 8, 8);
	memcpy(&addr, p + 16, 8);
	ops->touch(arg, (pid_t)ids[0], (pid_t)ids[1], ip, addr);
}

/* PERF_RECORD_SAMPLE of the kernel-mode fault event: pid, tid; addr; abi,
 * regs; size, stack bytes, dyn_size. */
static void parse_sample(const unsigned char *p, const unsigned char *end,
			 const struct sideband_ops *ops, void *arg)
{
	struct fault_sample s = { 0 };
	uint32_t ids[2];
	uint64_t v;
	memcpy(ids, p, 8);
	p += 8;
	s.pid = (pid_t)ids[0];
	s.tid = (pid_t)ids[1];
	memcpy(&s.addr, p, 8);
	p += 8;
	memcpy(&v, p, 8); /* abi: 0 when the task had no user registers */
	p += 8;
	if (v != PERF_SAMPLE_REGS_ABI_NONE) {
		for (int r = 0; r < SAMPLE_REGS; r++)
			if (SAMPLE_REGS_MASK & (1ULL << r)) {
				if (p + 8 > end)
					return;
				memcpy(&s.regs[r], p, 8);
				p += 8;
			}
	}
	if (p + 8 > end)
		return;
	memcpy(&v, p, 8);
	p += 8;
	if (v > (uint64_t)(end - p))
		return;
	const unsigned char *stack = p;
	uint64_t dyn = 0;
	if (v && p + v + 8 <= end)
		memcpy(&dyn, p + v, 8);
	s.stack = stack;
	s.stack_len = dyn < v ? dyn : v;
	ops->kernel_fault(arg, &s);
}

void sideband_drain(struct sideband *sb, const struct sideband_ops *ops, void *arg)
{
	for (int i = 0; i < sb->nrings; i++) {
		struct ring *r = &sb->rings[i];
		if (!r->meta)
			continue;
		uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = r->meta->data_tail;
		while (tail < head) {
			size_t off = tail % r->size;
			struct perf_event_header h;
			/* Records may wrap around the end of the buffer. */
			for (size_t k = 0; k < sizeof h; k++)
				((unsigned char *)&h)[k] = r->data[(off + k) % r->size];
			if (h.size < sizeof h)
				break;
			size_t first = r->size - off < h.size ? r->size - off : h.size;
			memcpy(sb->rec, r->data + off, first);
			memcpy(sb->rec + first, r->data, h.size - first);
			tail += h.size;
			const unsigned char *body = sb->rec + sizeof h, *end = sb->rec + h.size;
			if (h.type == PERF_RECORD_THROTTLE)
				debug_msg("perf throttled the fault samples");
			if (h.type == PERF_RECORD_LOST) {
				debug_msg("perf lost %s", r->samples ? "samples" : "records");
				/* Mappings were missed: look at every one again. */
				if (!r->samples)
					ops->mapping(arg, -1, 0, 0, -1);
				continue;
			}
			if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof h + 8) {
				uint64_t id;
				memcpy(&id, body, 8);
				if (has_id(sb->touch_ids, sb->ntouch_ids, id))
					parse_touch(body + 8, end, ops, arg);
				else if (has_id(sb->fault_ids, sb->nfault_ids, id) && h.size >= sizeof h + 32)
					parse_sample(body + 8, end, ops, arg);
				continue;
			}
			if (h.type != PERF_RECORD_MMAP2 || h.size < sizeof(struct mmap2_rec))
				continue;
			const struct mmap2_rec *m = (const void *)sb->rec;
			if (m->prot & PROT_EXEC) {
				ops->mapping(arg, (pid_t)m->pid, m->addr, m->addr + m->len, SIDEBAND_CODE);
				continue;
			}
			if (!(m->prot & PROT_WRITE) || (m->flags & MAP_SHARED))
				continue;
			/* The kernel ends the name with NULs; make sure of it. */
			sb->rec[h.size - 1] = 0;
			int kind = mapping_name_kind(m->filename);
			if (kind >= 0)
				ops->mapping(arg, (pid_t)m->pid, m->addr, m->addr + m->len, kind);
		}
		__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
	}
}
