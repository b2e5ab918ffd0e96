/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A multi-threaded writer that must survive its tracer's death: 4 threads
 * for ROUNDS rounds (default 1500) map a buffer, fill it, checksum it and
 * unmap it, and also write a long-lived shared buffer; a little sleep each
 * round.  Writes its pid to READY once running and the result to OUT at
 * the end (only the result, so a traced and an untraced run compare).
 * Usage: tgt-mt READY OUT [ROUNDS] */
#include "tgt.h"
#include <pthread.h>

#define NT 4
#define NPAGES 16

static long rounds;
static char *shared;

static void *work(void *arg)
{
	long idx = (long)arg;
	uint64_t sum = 0;
	for (long r = 0; r < rounds; r++) {
		char *b = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		for (size_t i = 0; i < NPAGES; i++)
			memset(b + i * PG, (int)(r + idx + (long)i), 64);
		sum += fnv1a(b, NPAGES * PG);
		munmap(b, NPAGES * PG);
		for (size_t i = 0; i < NPAGES; i++)
			shared[(idx * NPAGES + (long)i) * (long)PG + r % 64] = (char)r;
		if (r % 5 == 0)
			msleep(5);
	}
	return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: tgt-mt READY OUT [ROUNDS]");
	rounds = argc > 3 ? atol(argv[3]) : 1500;
	shared = map_guarded(NT * NPAGES, 0);
	FILE *f = fopen(argv[1], "w");
	if (!f)
		die("%s: %s", argv[1], strerror(errno));
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	pthread_t th[NT];
	for (long i = 0; i < NT; i++)
		if (pthread_create(&th[i], NULL, work, (void *)i))
			die("pthread_create failed");
	uint64_t sum = 0;
	for (int i = 0; i < NT; i++) {
		void *v;
		pthread_join(th[i], &v);
		sum ^= (uint64_t)(uintptr_t)v;
	}
	sum ^= fnv1a(shared, NT * NPAGES * PG);
	f = fopen(argv[2], "w");
	if (!f)
		die("%s: %s", argv[2], strerror(errno));
	fprintf(f, "mt: %d threads x %ld rounds, checksum %016llx\n", NT, rounds,
		(unsigned long long)sum);
	if (fclose(f))
		die("%s: %s", argv[2], strerror(errno));
	return 0;
}
