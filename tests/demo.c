// SPDX-License-Identifier: GPL-2.0-or-later
/* The demo traced by "make demo": a few functions that dirty memory in
 * different ways, so the report has something to say about each. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

/* Touch one byte in each of N pages. */
static void __attribute__((noinline)) fill_table(char *table, int n)
{
	for (int i = 0; i < n; i++)
		table[(size_t)i * PAGE] = (char)i;
}

/* The kernel writes into the buffer on our behalf. */
static ssize_t __attribute__((noinline)) load_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, len);
	close(fd);
	return n;
}

static void *worker(void *arg)
{
	char *mine = arg;
	memset(mine, 0x5a, 16 * PAGE);
	return NULL;
}

/* uffdtrace learns of a new mapping a little after it appears; a demo
 * that gives it that moment shows every write with its writer, where a
 * program in a hurry has some pages "found dirty when first protected". */
static void pause_briefly(void)
{
	usleep(20000);
}

int main(void)
{
	char *table = malloc(256 * PAGE);
	pause_briefly();
	fill_table(table, 256);

	char *buf = malloc(64 * PAGE);
	pause_briefly();
	ssize_t got = load_file("/proc/self/exe", buf, 64 * PAGE);

	char *arena = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pause_briefly();
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker, arena + i * 32 * PAGE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);

	printf("demo: wrote 256 table pages, read %s, 2 threads x 16 pages\n",
	       got > 0 ? "its own binary" : "nothing");
	return 0;
}
