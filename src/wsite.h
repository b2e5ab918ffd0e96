/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Write-site context: the decoded instruction and symbolized frames of a write. */
#ifndef UFFDTRACE_WSITE_H
#define UFFDTRACE_WSITE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* The store instruction that caused a write fault (src/insn.c). */
struct insn_info {
	uint8_t bytes[16];
	uint8_t len;          /* 0: could not be decoded */
	char text[96];        /* "mov byte ptr [rax], dl" */
	uint64_t ea;          /* effective address of the memory operand */
	uint32_t access_size; /* bytes per element written */
	uint64_t count;       /* elements (rep prefix count), 1 otherwise */
	bool ea_match;        /* [ea, ea + size * count) covers the fault */
};

/* Decode the instruction at regs->rip whose bytes are CODE[0..LEN) and check
 * its destination against FAULT_ADDR.  Returns 0, or -1 if it cannot decode. */
int insn_decode(const uint8_t *code, size_t len,
		const struct user_regs_struct *regs, uint64_t fault_addr,
		struct insn_info *out);

/* One symbolized frame (src/symbols.c). Strings are owned by the symbolizer
 * and live until symbolizer_free(). */
struct frame_info {
	const char *module;   /* "libc.so.6", "a.out"; NULL if unmapped */
	const char *function; /* NULL if no symbol covers the address */
	uint64_t offset;      /* from function start, or from module base */
	const char *file;     /* NULL without DWARF line info */
	int line;
};

struct symbolizer;
struct symbolizer *symbolizer_new(pid_t pid);
void symbolizer_free(struct symbolizer *s);
/* Forget cached mappings (call when the target's mappings change). */
void symbolizer_flush(struct symbolizer *s);
int symbolize(struct symbolizer *s, uint64_t ip, struct frame_info *out);

/* Remote unwinding of a ptrace-stopped thread (src/unwind.c). */
struct unwinder;
struct unwinder *unwinder_new(pid_t pid);
void unwinder_free(struct unwinder *u);
void unwinder_flush(struct unwinder *u);
/* Fill IPS with at most MAX return addresses, innermost first (ips[0] is
 * the faulting instruction).  Returns the depth, or -1. */
int unwind_thread(struct unwinder *u, pid_t tid, uint64_t *ips, int max);
/* Unwind from a user register set and a copy of the user stack taken at
 * that moment (a perf PERF_SAMPLE_REGS_USER + PERF_SAMPLE_STACK_USER sample):
 * no ptrace stop needed.  REGS is indexed by perf's x86-64 register numbers
 * (PERF_REG_X86_AX .. PERF_REG_X86_R15 from <asm/perf_regs.h>, 24 entries);
 * STACK holds LEN bytes copied from address SP upward.  Memory outside the
 * copy is read from the live process PID with process_vm_readv.  Fills IPS
 * innermost first (ips[0] = regs[PERF_REG_X86_IP]); returns the depth or -1. */
int unwind_sample(struct unwinder *u, const uint64_t *regs, uint64_t sp,
		  const void *stack, size_t len, uint64_t *ips, int max);

#endif
