/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NTHREADS threads (default 8), each writing every page of a buffer of its
 * own of NPAGES pages (default 64), twice.
 * Usage: tgt-threads TRUTH [NTHREADS [NPAGES]] */
#include "tgt.h"
#include <pthread.h>
#include <sys/syscall.h>

struct worker {
	pthread_t th;
	int idx;
	pid_t tid;
	char *buf;
	bool prot;
	uint64_t sum;
};

static size_t npages;
static pthread_barrier_t ready;

static void *work(void *arg)
{
	struct worker *w = arg;
	w->tid = (pid_t)syscall(SYS_gettid);
	w->buf = map_guarded(npages, 0);
	w->prot = wait_protected(w->buf, npages);
	pthread_barrier_wait(&ready);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < npages; i++)
			w->buf[i * PG + (size_t)w->idx * 8 + (size_t)round] = (char)(w->idx + i + round);
	w->sum = fnv1a(w->buf, npages * PG);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 8;
	npages = argc > 3 ? strtoul(argv[3], NULL, 0) : 64;
	if (n < 1 || n > 64 || npages < 1)
		die("bad arguments");
	truth_open(argc > 1 ? argv[1] : NULL);
	struct worker w[64];
	pthread_barrier_init(&ready, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		w[i].idx = i;
		if (pthread_create(&w[i].th, NULL, work, &w[i]))
			die("pthread_create failed");
	}
	uint64_t sum = 0;
	bool prot = true;
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].th, NULL);
		sum ^= w[i].sum;
		prot &= w[i].prot;
	}
	truth("protected=%d", prot);
	truth("nthreads=%d", n);
	truth("npages=%zu", npages);
	for (int i = 0; i < n; i++)
		truth("thread%d=%d %#lx %#lx", i, (int)w[i].tid, (unsigned long)w[i].buf,
		      (unsigned long)(w[i].buf + npages * PG));
	truth_close();
	printf("threads: %d x %zu pages, checksum %016llx\n", n, npages, (unsigned long long)sum);
	return 0;
}
