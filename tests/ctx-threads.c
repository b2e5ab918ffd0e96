/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 4 threads, each started on a function of its own (writer_0 .. writer_3),
 * each writing every page of a buffer of its own, twice: thread I writes
 * 2 * (I + 1) pages, so that every thread has a different count.
 * Usage: tgt-ctx-threads TRUTH */
#include "tgt.h"
#include <pthread.h>
#include <sys/syscall.h>

#define NTHREADS 4

struct worker {
	pthread_t th;
	pid_t tid;
	char *buf;
	size_t npages;
};

static pthread_barrier_t ready;

static inline __attribute__((always_inline)) void fill(struct worker *w, int idx)
{
	w->tid = (pid_t)syscall(SYS_gettid);
	/* All threads write at once. */
	pthread_barrier_wait(&ready);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < w->npages; i++)
			((volatile char *)w->buf)[i * PG + (size_t)idx * 8 + (size_t)round] =
				(char)(idx + i + round);
}

/* Each writer makes its stores itself: fill is always inlined. */
#define WRITER(I)                                                        \
	static __attribute__((noinline)) void *writer_##I(void *arg)    \
	{                                                                \
		fill(arg, I);                                            \
		__asm__ volatile("" ::: "memory");                       \
		return NULL;                                             \
	}
WRITER(0)
WRITER(1)
WRITER(2)
WRITER(3)

int main(int argc, char **argv)
{
	void *(*const fns[NTHREADS])(void *) = { writer_0, writer_1, writer_2, writer_3 };
	/* On main's stack, which is not traced: the threads' own writes to
	 * their struct worker are not in the count. */
	struct worker w[NTHREADS];
	truth_open(argc > 1 ? argv[1] : NULL);
	bool prot = true;
	for (int i = 0; i < NTHREADS; i++) {
		w[i].npages = 2 * (size_t)(i + 1);
		w[i].buf = map_guarded(w[i].npages, 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		prot &= wait_protected(w[i].buf, w[i].npages);
	pthread_barrier_init(&ready, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&w[i].th, NULL, fns[i], &w[i]))
			die("pthread_create failed");
	uint64_t sum = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].th, NULL);
		sum ^= fnv1a(w[i].buf, w[i].npages * PG);
	}
	truth("protected=%d", prot);
	truth("nthreads=%d", NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		truth("thread%d=%d %#lx %#lx %zu", i, (int)w[i].tid, (unsigned long)w[i].buf,
		      (unsigned long)(w[i].buf + w[i].npages * PG), w[i].npages);
	truth_close();
	printf("threads: %d, checksum %016llx\n", NTHREADS, (unsigned long long)sum);
	return 0;
}
