/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signals while traced.  Raises SIGUSR1 once itself, then keeps writing its
 * buffer until SIGUSR2 arrives.  Each SIGUSR1 is counted by a handler that
 * writes a page of the buffer, and acknowledged in the file ACK (its
 * content is the count) so that a test can send the next one.
 * Prints READY (its pid) first.  Usage: tgt-signals READY ACK */
#include "tgt.h"
#include <signal.h>

#define NPAGES 32

static char *buf;
static volatile sig_atomic_t usr1, usr2;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
	buf[(size_t)(usr1 % NPAGES) * PG + 1] = (char)usr1;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2 = 1;
}

static void put_file(const char *path, const char *fmt, long v)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, fmt, v);
	if (fclose(f) || rename(tmp, path))
		die("%s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: tgt-signals READY ACK");
	buf = map_guarded(NPAGES, 0);
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR1);
	long acked = -1, loops = 0;
	double deadline = now_s() + 30;
	put_file(argv[1], "%ld\n", (long)getpid());
	while (!usr2) {
		if (now_s() > deadline)
			die("no SIGUSR2 within 30 s");
		if (usr1 != acked) {
			acked = usr1;
			put_file(argv[2], "%ld\n", acked);
		}
		/* Keep writing: the protection is renewed by nobody, but the
		 * stores into the buffer keep going while signals arrive. */
		buf[(size_t)(loops % NPAGES) * PG + 2] = (char)loops;
		loops++;
		msleep(1);
	}
	/* The count of SIGUSR1 and how the data ended: no word of timing. */
	unsigned char c = 0;
	for (size_t i = 0; i < NPAGES; i++)
		c ^= (unsigned char)buf[i * PG + 1];
	printf("signals: usr1=%d usr2=%d handler-bytes=%02x\n", (int)usr1, (int)usr2, c);
	return 0;
}
