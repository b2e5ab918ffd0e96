/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target for wsite-check: performs one known store into a read-only page and faults. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Usage: wsite-target MODE.  Before the faulting store the target prints
 * "EXPECT key=value ..." on stdout (flushed), so the checker can compare
 * what it decodes with what the target meant to do.  The store then hits a
 * PROT_READ page; the checker sees the SIGSEGV stop with rip at the store,
 * just like a write-protect fault, and kills us.
 */

#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

static long pagesz;

/* Two adjacent pages; the one at index RO_IDX is read-only. */
static uint8_t *two_pages(int ro_idx)
{
	uint8_t *p = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	memset(p, 0x55, 2 * pagesz);
	if (mprotect(p + ro_idx * pagesz, pagesz, PROT_READ)) {
		perror("mprotect");
		exit(2);
	}
	return p;
}

__attribute__((format(printf, 1, 2))) static void expect(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("EXPECT ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

/* Call chain for the unwinding test.  The asm statements after each call
 * keep -O2 from turning the calls into tail jumps, which would remove the
 * frames we want to see. */
volatile int sink;
static const int f3_store_line = __LINE__ + 5;
NOINLINE int f3(volatile uint8_t *p, int v)
{
	expect("line_f3=%d ea=%p", f3_store_line, (void *)p);
	asm volatile("" ::: "memory");
	*p = (uint8_t)v;
	asm volatile("" ::: "memory");
	return v + sink;
}

static const int f2_call_line = __LINE__ + 4;
NOINLINE int f2(volatile uint8_t *p, int v)
{
	expect("line_f2=%d", f2_call_line);
	int r = f3(p, v + 1);
	asm volatile("" ::: "memory");
	return r + sink;
}

static const int f1_call_line = __LINE__ + 4;
NOINLINE int f1(volatile uint8_t *p, int v)
{
	expect("line_f1=%d", f1_call_line);
	int r = f2(p, v + 1);
	asm volatile("" ::: "memory");
	return r + sink;
}

static const int f0_call_line = __LINE__ + 4;
NOINLINE int f0(volatile uint8_t *p, int v)
{
	expect("line_f0=%d", f0_call_line);
	int r = f1(p, v + 1);
	asm volatile("" ::: "memory");
	return r + sink;
}

/* Through a volatile pointer so the compiler cannot inline memset. */
void *(*volatile memset_ptr)(void *, int, size_t) = memset;

NOINLINE void do_memset(uint8_t *p, size_t n)
{
	memset_ptr(p, 0, n);
	asm volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	uint8_t *p;

	pagesz = sysconf(_SC_PAGESIZE);
	if (!strcmp(mode, "byte")) {
		p = two_pages(1) + pagesz + 5;
		expect("text=mov_byte_ptr_[rax],_dl ea=%p size=1 count=1",
		       (void *)p);
		asm volatile("movb %%dl, (%%rax)" ::"a"(p), "d"(7) : "memory");
	} else if (!strcmp(mode, "qword")) {
		p = two_pages(1) + pagesz + 16;
		expect("text=mov_qword_ptr_[rax_+_8],_rdx ea=%p size=8 count=1",
		       (void *)(p + 8));
		asm volatile("movq %%rdx, 8(%%rax)" ::"a"(p), "d"(7L) : "memory");
	} else if (!strcmp(mode, "repstosb")) {
		/* Fill 8000 bytes from 100 bytes into the writable page: it
		 * faults on the first byte of the read-only page with
		 * rcx = 8000 - (pagesz - 100) elements left. */
		p = two_pages(1) + 100;
		expect("text=rep_stosb_byte_ptr_[rdi],_al ea=%p size=1 count=%ld",
		       (void *)(p - 100 + pagesz), 8000 - (pagesz - 100));
		asm volatile("rep stosb"
			     : "+D"(p) : "a"(0), "c"(8000L) : "memory");
		(void)p;
	} else if (!strcmp(mode, "repstosb-down")) {
		/* DF=1 from 100 bytes into the upper (writable) page down
		 * into the lower read-only page: faults at its last byte with
		 * 500 - 101 elements left, the range extending downwards. */
		p = two_pages(0) + pagesz + 100;
		expect("text=rep_stosb_byte_ptr_[rdi],_al ea=%p size=1 count=%d",
		       (void *)(p - 100 - 399), 399);
		asm volatile("std\n\trep stosb\n\tcld"
			     : "+D"(p) : "a"(0), "c"(500L) : "memory", "cc");
		(void)p;
	} else if (!strcmp(mode, "avx") || !strcmp(mode, "avx-split")) {
		/* avx-split straddles the page boundary: the fault address is
		 * the start of the read-only page, inside the 32 bytes. */
		p = two_pages(1) + pagesz + 64;
		if (mode[3])
			p -= 64 + 16;
		if (!__builtin_cpu_supports("avx")) {
			expect("skip=no-avx");
			return 0;
		}
		expect("text=vmovdqu_ymmword_ptr_[rdi],_ymm0 ea=%p size=32 count=1",
		       (void *)p);
		asm volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
			     "vmovdqu %%ymm0, (%%rdi)" ::"D"(p)
			     : "memory", "xmm0");
	} else if (!strcmp(mode, "push") || !strcmp(mode, "call")) {
		/* Run on a stack whose next slot is in the read-only page. */
		p = two_pages(0) + pagesz;
		expect("text=%s ea=%p size=8 count=1",
		       mode[0] == 'p' ? "push_rax" : "call_*", (void *)(p - 8));
		if (mode[0] == 'p')
			asm volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n\t"
				     "push %%rax\n\tmov %%rbx, %%rsp"
				     ::"r"(p) : "rbx", "memory");
		else
			asm volatile("mov %%rsp, %%rbx\n\tmov %0, %%rsp\n\t"
				     "call 1f\n1:\n\tmov %%rbx, %%rsp"
				     ::"r"(p) : "rbx", "memory");
	} else if (!strcmp(mode, "chain")) {
		p = two_pages(1) + pagesz + 3;
		sink = f0(p, 1);
	} else if (!strcmp(mode, "memset")) {
		/* 3 pages: the last one read-only, so memset faults in it
		 * with whatever store flavour libc picked. */
		p = mmap(NULL, 3 * pagesz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mprotect(p + 2 * pagesz, pagesz, PROT_READ))
			return 2;
		expect("range=%p-%p", (void *)(p + 2 * pagesz),
		       (void *)(p + 3 * pagesz));
		do_memset(p + 8, 3 * pagesz - 16);
	} else {
		fprintf(stderr, "usage: %s byte|qword|repstosb|repstosb-down|"
			"avx|avx-split|push|call|chain|memset\n", argv[0]);
		return 2;
	}
	/* Reaching here means the store did not fault. */
	return 3;
}
