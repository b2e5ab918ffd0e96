/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live view's known target: write_many dirties 200 pages of one buffer,
 * then, later, write_few dirties 12 pages of another, so that sorting by
 * pages and by last write put them in opposite orders. */
#include "tgt.h"

#define MANY 200
#define FEW 12

/* noinline: each is a write site of its own, named in the view. */
static __attribute__((noinline)) void write_many(char *p)
{
	for (size_t i = 0; i < MANY; i++)
		p[i * PG + 1] = (char)i;
}

static __attribute__((noinline)) void write_few(char *p)
{
	for (size_t i = 0; i < FEW; i++)
		p[i * PG + 2] = (char)i;
}

int main(void)
{
	char *many = map_guarded(MANY, 0);
	char *few = map_guarded(FEW, 0);
	if (!wait_protected(many, MANY) || !wait_protected(few, FEW))
		return 99;
	write_many(many);
	/* Far enough apart for "last write" to order them clearly. */
	msleep(600);
	write_few(few);
	msleep(200);
	printf("tui-target: %d and %d pages\n", MANY, FEW);
	return 0;
}
