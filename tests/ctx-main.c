/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The write-context target: main -> f0 -> f1 -> f2 -> f3 (ctx-f*.c), f3
 * storing into a page of a heap buffer of its own for each kind asked for.
 * Usage: tgt-ctx-* TRUTH [KIND,...]
 *   KIND: byte qword stosb avx memset memcpy (default: all)
 * The truth file tells, for each KIND done: KIND_page (the page written,
 * once), KIND_line (the line of the store, or of the call making it, in
 * ctx-f3.c) and KIND_size (bytes stored); "avx=0" if the CPU has no AVX,
 * and then no avx store is made. */
#include "tgt.h"
#include "ctx.h"

static const char *const names[CTX_NKINDS] = {
	[CTX_BYTE] = "byte", [CTX_QWORD] = "qword", [CTX_STOSB] = "stosb",
	[CTX_AVX] = "avx", [CTX_MEMSET] = "memset", [CTX_MEMCPY] = "memcpy",
};
/* Bytes stored, volatile so that no call is specialized to a size. */
static volatile size_t sizes[CTX_NKINDS] = {
	[CTX_BYTE] = 1, [CTX_QWORD] = 8, [CTX_STOSB] = PG,
	[CTX_AVX] = 32, [CTX_MEMSET] = PG, [CTX_MEMCPY] = 128,
};

int main(int argc, char **argv)
{
	int kinds[CTX_NKINDS], nk = 0;
	char list[256];
	snprintf(list, sizeof list, "%s",
		 argc > 2 ? argv[2] : "byte,qword,stosb,avx,memset,memcpy");
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int k = 0;
		while (k < CTX_NKINDS && strcmp(tok, names[k]))
			k++;
		if (k == CTX_NKINDS || nk == CTX_NKINDS)
			die("bad kind '%s'", tok);
		kinds[nk++] = k;
	}
	if (!nk)
		die("no kind given");
	truth_open(argc > 1 ? argv[1] : NULL);
	__builtin_cpu_init();
	bool avx = __builtin_cpu_supports("avx");

	/* One fresh heap page per kind, each written by one store only. */
	char *buf = aligned_alloc(PG, (size_t)nk * PG);
	if (!buf)
		die("aligned_alloc: %s", strerror(errno));
	bool prot = wait_protected(buf, (size_t)nk);
	int lines[CTX_NKINDS];
	for (int i = 0; i < nk; i++) {
		lines[i] = 0;
		if (kinds[i] != CTX_AVX || avx)
			lines[i] = f0(kinds[i], buf + (size_t)i * PG, sizes[kinds[i]]);
	}

	truth("protected=%d", prot);
	truth("avx=%d", avx);
	truth("lo=%#lx", (unsigned long)buf);
	truth("hi=%#lx", (unsigned long)(buf + (size_t)nk * PG));
	for (int i = 0; i < nk; i++) {
		if (!lines[i])
			continue;
		truth("%s_page=%#lx", names[kinds[i]], (unsigned long)(buf + (size_t)i * PG));
		truth("%s_line=%d", names[kinds[i]], lines[i]);
		truth("%s_size=%zu", names[kinds[i]], sizes[kinds[i]]);
	}
	truth_close();
	printf("ctx: %d kinds, checksum %016llx\n", nk,
	       (unsigned long long)fnv1a(buf, (size_t)nk * PG));
	free(buf);
	return 0;
}
