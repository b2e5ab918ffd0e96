/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fork and exec inside the target.  The parent writes PRE pages of its
 * buffer, forks a child that writes CHILD other pages and exits 7, waits,
 * writes POST more pages, then execs itself in "exec" mode, where the new
 * image writes EXEC pages of a new buffer and exits.
 * Both buffers are at fixed addresses, so that no mapping of the other
 * image can overlap them.
 * Usage: tgt-fork TRUTH [exec] */
#include "tgt.h"
#include <sys/wait.h>

#define NPAGES 64
#define PRE 10
#define CHILD 20
#define POST 5
#define EXEC 7

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: tgt-fork TRUTH [exec]");
	if (argc > 2 && !strcmp(argv[2], "exec")) {
		FILE *tf = fopen(argv[1], "a");
		if (!tf)
			die("%s: %s", argv[1], strerror(errno));
		char *e = map_guarded(NPAGES, 0x300000000000UL);
		bool prot = wait_protected(e, NPAGES);
		for (int i = 0; i < EXEC; i++)
			e[(size_t)i * 3 * PG] = 9;
		fprintf(tf, "exec_protected=%d\nexec_pid=%d\nexec_lo=%#lx\nexec_hi=%#lx\nexec_pages=%d\n",
			prot, (int)getpid(), (unsigned long)e, (unsigned long)(e + NPAGES * PG), EXEC);
		fclose(tf);
		printf("exec: %016llx\n", (unsigned long long)fnv1a(e, NPAGES * PG));
		return 5;
	}
	truth_open(argv[1]);
	char *p = map_guarded(NPAGES, 0x280000000000UL);
	bool prot = wait_protected(p, NPAGES);
	for (int i = 0; i < PRE; i++)
		p[(size_t)i * PG] = 1;                   /* pages 0..9 */
	fflush(stdout);
	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		for (int i = 0; i < CHILD; i++)
			p[(size_t)(i + 20) * PG] = 2;    /* pages 20..39 */
		printf("child: %016llx\n", (unsigned long long)fnv1a(p, NPAGES * PG));
		fflush(stdout);
		_exit(7);
	}
	int st;
	if (waitpid(child, &st, 0) != child)
		die("waitpid: %s", strerror(errno));
	for (int i = 0; i < POST; i++)
		p[(size_t)(i + 50) * PG] = 3;            /* pages 50..54 */
	truth("protected=%d", prot);
	truth("pid=%d", (int)getpid());
	truth("child_pid=%d", (int)child);
	truth("lo=%#lx", (unsigned long)p);
	truth("hi=%#lx", (unsigned long)(p + NPAGES * PG));
	truth("parent_pages=%d", PRE + POST);
	truth("child_pages=%d", CHILD);
	truth_close();
	printf("parent: child status %d, %016llx\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       (unsigned long long)fnv1a(p, NPAGES * PG));
	fflush(stdout);
	execl("/proc/self/exe", argv[0], argv[1], "exec", (char *)NULL);
	die("exec: %s", strerror(errno));
}
