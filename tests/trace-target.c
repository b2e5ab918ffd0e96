/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small target whose trace has every record type spread over several
 * chunks: writes from a few functions, in phases a flush apart, a kernel
 * write, a second thread and an unmapped region.
 * Usage: trace-target [PHASES] (default 4) */
#include "tgt.h"

#include <pthread.h>

/* noinline, so the stacks and sites differ per function. */
static __attribute__((noinline)) void fill(char *buf, size_t npages, size_t step)
{
	for (size_t i = 0; i < npages; i += step)
		buf[i * PG + i % 64] = (char)i;
}

static __attribute__((noinline)) void touch_again(char *buf, size_t npages)
{
	for (size_t i = 0; i < npages; i += 5)
		buf[i * PG + 200] = 1;
}

/* A write by the kernel, inside read(). */
static __attribute__((noinline)) void kernel_write(char *buf)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, 3 * PG) < 0)
		die("read /dev/zero: %s", strerror(errno));
	close(fd);
}

static void *worker(void *arg)
{
	fill(arg, 16, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	int phases = argc > 1 ? atoi(argv[1]) : 4;
	if (phases < 1 || phases > 100)
		die("PHASES must be from 1 to 100");
	for (int ph = 0; ph < phases; ph++) {
		char *buf = map_guarded(40, 0);
		wait_protected(buf, 40);
		fill(buf, 40, 1 + (size_t)ph % 3);
		touch_again(buf, 40);
		kernel_write(buf + 20 * PG);
		if (ph == 0) {
			pthread_t t;
			if (pthread_create(&t, NULL, worker, buf + 24 * PG) != 0 ||
			    pthread_join(t, NULL) != 0)
				die("pthread: %s", strerror(errno));
		}
		if (ph % 2)
			munmap(buf, 40 * PG);
		/* Longer than the tracer's flush interval (200 ms): a chunk
		 * per phase. */
		msleep(250);
	}
	return 0;
}
