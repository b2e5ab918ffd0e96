/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Perf side-band records (PERF_RECORD_MMAP2) report every new mapping of the
 * target with no side effect on it: unlike a seccomp filter, nothing is left
 * behind when the tracer goes away.  The records are asynchronous; the
 * engine makes up for that by counting the pages found dirty at protection. */
#include "sideband.h"
#include "event.h"
#include "log.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RING_PAGES 64 /* data pages per CPU, a power of two */

struct ring {
	int cpu;
	int fd; /* the event that owns the buffer */
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	size_t size;
};

struct sideband {
	struct ring *rings;
	int nrings;
	int *extra; /* events that write into a ring they do not own */
	size_t nextra, capextra;
	long page;
};

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

struct sideband *sideband_new(void)
{
	struct sideband *sb = xcalloc(1, sizeof *sb);
	sb->page = sysconf(_SC_PAGESIZE);
	int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	sb->rings = xcalloc((size_t)ncpu, sizeof *sb->rings);
	for (int cpu = 0; cpu < ncpu; cpu++)
		sb->rings[sb->nrings++] = (struct ring){ .cpu = cpu, .fd = -1 };
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
	free(sb);
}

int sideband_follow(struct sideband *sb, pid_t tid)
{
	int opened = 0, err = 0;
	for (int i = 0; i < sb->nrings; i++) {
		struct ring *r = &sb->rings[i];
		int fd = perf_open(tid, r->cpu);
		if (fd < 0) {
			err = errno;
			continue; /* an offline CPU */
		}
		if (r->fd < 0) {
			r->size = (size_t)sb->page * RING_PAGES;
			void *m = mmap(NULL, r->size + (size_t)sb->page, PROT_READ | PROT_WRITE,
				       MAP_SHARED, fd, 0);
			if (m == MAP_FAILED) {
				err = errno;
				close(fd);
				continue;
			}
			r->fd = fd;
			r->meta = m;
			r->data = (unsigned char *)m + sb->page;
		} else {
			if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
				err = errno;
				close(fd);
				continue;
			}
			if (sb->nextra == sb->capextra)
				sb->extra = xrealloc(sb->extra, (sb->capextra = sb->capextra ? sb->capextra * 2 : 16) * sizeof(int));
			sb->extra[sb->nextra++] = fd;
		}
		opened++;
	}
	return opened ? 0 : -err;
}

int sideband_nfds(const struct sideband *sb)
{
	return sb->nrings;
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

void sideband_drain(struct sideband *sb, sideband_fn fn, void *arg)
{
	for (int i = 0; i < sb->nrings; i++) {
		struct ring *r = &sb->rings[i];
		if (!r->meta)
			continue;
		uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = r->meta->data_tail;
		while (tail < head) {
			union {
				struct perf_event_header h;
				unsigned char b[4096 + 256];
			} rec;
			size_t off = tail % r->size;
			struct perf_event_header h;
			/* Records may wrap around the end of the buffer. */
			for (size_t k = 0; k < sizeof h; k++)
				((unsigned char *)&h)[k] = r->data[(off + k) % r->size];
			if (h.size == 0 || h.size > sizeof rec.b)
				break;
			for (size_t k = 0; k < h.size; k++)
				rec.b[k] = r->data[(off + k) % r->size];
			tail += h.size;
			if (h.type == PERF_RECORD_LOST) {
				/* Records were dropped: look at every mapping again. */
				fn(-1, 0, 0, -1, arg);
				continue;
			}
			if (h.type != PERF_RECORD_MMAP2)
				continue;
			const struct mmap2_rec *m = (const void *)rec.b;
			if (m->prot & PROT_EXEC) {
				fn((pid_t)m->pid, m->addr, m->addr + m->len, SIDEBAND_CODE, arg);
				continue;
			}
			if (!(m->prot & PROT_WRITE) || (m->flags & MAP_SHARED))
				continue;
			int kind = mapping_name_kind(m->filename);
			if (kind >= 0)
				fn((pid_t)m->pid, m->addr, m->addr + m->len, kind, arg);
		}
		__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
	}
}
