/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decode the x86-64 store instruction at a write fault and work out which memory it writes. */
#include <capstone/capstone.h>
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "wsite.h"

#define EFLAGS_DF (1ULL << 10)

static csh cs_handle;
static int cs_state; /* 0: not opened yet, 1: usable, -1: cs_open failed */

static csh get_handle(void)
{
	/* The tracer is single-threaded around decoding, so a plain lazy open
	 * is enough; the handle lives for the rest of the process. */
	if (cs_state == 0) {
		cs_state = -1;
		if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs_handle) == CS_ERR_OK) {
			if (cs_option(cs_handle, CS_OPT_DETAIL, CS_OPT_ON) ==
			    CS_ERR_OK)
				cs_state = 1;
			else
				cs_close(&cs_handle);
		}
	}
	return cs_state == 1 ? cs_handle : 0;
}

/* Value of a general purpose register; *ok = false for anything we cannot
 * read from user_regs_struct (vector index registers of scatter stores). */
static uint64_t reg_value(x86_reg r, const struct user_regs_struct *regs,
			  uint64_t next_ip, bool *ok)
{
	switch (r) {
	case X86_REG_INVALID: return 0;
	case X86_REG_RAX: return regs->rax;
	case X86_REG_RBX: return regs->rbx;
	case X86_REG_RCX: return regs->rcx;
	case X86_REG_RDX: return regs->rdx;
	case X86_REG_RSI: return regs->rsi;
	case X86_REG_RDI: return regs->rdi;
	case X86_REG_RBP: return regs->rbp;
	case X86_REG_RSP: return regs->rsp;
	case X86_REG_R8: return regs->r8;
	case X86_REG_R9: return regs->r9;
	case X86_REG_R10: return regs->r10;
	case X86_REG_R11: return regs->r11;
	case X86_REG_R12: return regs->r12;
	case X86_REG_R13: return regs->r13;
	case X86_REG_R14: return regs->r14;
	case X86_REG_R15: return regs->r15;
	case X86_REG_RIP: return next_ip;
	/* 32-bit forms only appear with the 0x67 address-size prefix. */
	case X86_REG_EAX: return (uint32_t)regs->rax;
	case X86_REG_EBX: return (uint32_t)regs->rbx;
	case X86_REG_ECX: return (uint32_t)regs->rcx;
	case X86_REG_EDX: return (uint32_t)regs->rdx;
	case X86_REG_ESI: return (uint32_t)regs->rsi;
	case X86_REG_EDI: return (uint32_t)regs->rdi;
	case X86_REG_EBP: return (uint32_t)regs->rbp;
	case X86_REG_ESP: return (uint32_t)regs->rsp;
	case X86_REG_R8D: return (uint32_t)regs->r8;
	case X86_REG_R9D: return (uint32_t)regs->r9;
	case X86_REG_R10D: return (uint32_t)regs->r10;
	case X86_REG_R11D: return (uint32_t)regs->r11;
	case X86_REG_R12D: return (uint32_t)regs->r12;
	case X86_REG_R13D: return (uint32_t)regs->r13;
	case X86_REG_R14D: return (uint32_t)regs->r14;
	case X86_REG_R15D: return (uint32_t)regs->r15;
	case X86_REG_EIP: return (uint32_t)next_ip;
	default:
		*ok = false;
		return 0;
	}
}

static uint64_t mem_ea(const cs_x86 *x, const cs_x86_op *op,
		       const struct user_regs_struct *regs, uint64_t next_ip,
		       bool *ok)
{
	const x86_op_mem *m = &op->mem;
	uint64_t ea = reg_value(m->base, regs, next_ip, ok);

	if (m->index != X86_REG_INVALID)
		ea += reg_value(m->index, regs, next_ip, ok) *
		      (uint64_t)(int64_t)m->scale;
	ea += (uint64_t)m->disp;
	if (x->addr_size == 4)
		ea = (uint32_t)ea;
	/* In 64-bit mode only FS and GS have a non-zero base. */
	if (m->segment == X86_REG_FS)
		ea += regs->fs_base;
	else if (m->segment == X86_REG_GS)
		ea += regs->gs_base;
	return ea;
}

static bool is_string_store(const cs_insn *in, const cs_x86 *x)
{
	int nmem = 0;

	switch (in->id) {
	case X86_INS_STOSB: case X86_INS_STOSW:
	case X86_INS_STOSD: case X86_INS_STOSQ:
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSQ:
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
		return true;
	case X86_INS_MOVSD:
		/* Capstone shares this id with SSE2 movsd; only the string
		 * form has two memory operands. */
		for (int i = 0; i < x->op_count; i++)
			nmem += x->operands[i].type == X86_OP_MEM;
		return nmem == 2;
	default:
		return false;
	}
}

/* Capstone reports a bogus operand size for the state-save instructions. */
static uint32_t fixup_size(unsigned id, uint32_t size)
{
	unsigned a, b, c, d;

	switch (id) {
	case X86_INS_FXSAVE: case X86_INS_FXSAVE64:
		return 512;
	case X86_INS_FNSAVE:
		return 108;
	case X86_INS_FNSTENV:
		return 28;
	case X86_INS_XSAVE: case X86_INS_XSAVE64:
	case X86_INS_XSAVEOPT: case X86_INS_XSAVEOPT64:
	case X86_INS_XSAVEC: case X86_INS_XSAVEC64:
	case X86_INS_XSAVES: case X86_INS_XSAVES64:
		/* Size for the XCR0 features the kernel enabled; the same for
		 * every process, and an upper bound for the compacted forms. */
		if (__get_cpuid_count(0xd, 0, &a, &b, &c, &d) && b)
			return b;
		return size;
	default:
		return size;
	}
}

int insn_decode(const uint8_t *code, size_t len,
		const struct user_regs_struct *regs, uint64_t fault_addr,
		struct insn_info *out)
{
	csh h = get_handle();
	cs_insn *in = NULL;
	const cs_x86 *x;
	const cs_x86_op *dst = NULL;
	uint64_t next_ip, lo, span;
	bool ok = true, stack_store = false;
	memset(out, 0, sizeof(*out));
	out->count = 1;
	if (!h || !code || !len)
		return -1;
	if (len > sizeof(out->bytes))
		len = sizeof(out->bytes);
	if (cs_disasm(h, code, len, regs->rip, 1, &in) != 1)
		return -1;

	x = &in->detail->x86;
	out->len = (uint8_t)in->size;
	memcpy(out->bytes, in->bytes, in->size);
	/* Long AVX-512 operand lists may not fit; a cut-off text is fine. */
	if (snprintf(out->text, sizeof(out->text), "%s%s%s", in->mnemonic,
		     in->op_str[0] ? " " : "", in->op_str) >=
	    (int)sizeof(out->text))
		out->text[sizeof(out->text) - 1] = '\0';
	next_ip = regs->rip + in->size;

	switch (in->id) {
	case X86_INS_PUSH: case X86_INS_PUSHFQ: case X86_INS_CALL:
	case X86_INS_ENTER:
		/* The store is implicit; any memory operand is a source. */
		stack_store = true;
		out->ea = regs->rsp - 8;
		out->access_size = 8;
		if (in->id == X86_INS_PUSH && x->prefix[2] == X86_PREFIX_OPSIZE) {
			out->ea = regs->rsp - 2;
			out->access_size = 2;
		}
		break;
	default:
		break;
	}

	if (!stack_store) {
		/* Capstone 4 often marks destinations as READ (vmovdqu,
		 * movups, cmpxchg, fstp...), so WRITE is only a hint. */
		for (int i = 0; i < x->op_count; i++) {
			const cs_x86_op *op = &x->operands[i];

			if (op->type != X86_OP_MEM)
				continue;
			if (!dst)
				dst = op; /* the destination comes first */
			if (op->access & CS_AC_WRITE) {
				dst = op;
				break;
			}
		}
		if (!dst) {
			/* No memory operand (syscall, ...): decoded, no EA. */
			cs_free(in, 1);
			return 0;
		}
		out->ea = mem_ea(x, dst, regs, next_ip, &ok);
		out->access_size = fixup_size(in->id, dst->size);
		/* pop [rsp+n] addresses memory with the incremented rsp. */
		if (in->id == X86_INS_POP &&
		    (dst->mem.base == X86_REG_RSP || dst->mem.base == X86_REG_ESP))
			out->ea += 8;
		if (is_string_store(in, x) && (x->prefix[0] == X86_PREFIX_REP ||
					      x->prefix[0] == X86_PREFIX_REPNE))
			out->count = x->addr_size == 4 ? (uint32_t)regs->rcx
						       : regs->rcx;
	}

	/* A faulting rep string op has rdi at the element being written and
	 * rcx the elements left; with DF=1 the remaining ones lie below. */
	span = (uint64_t)out->access_size * out->count;
	lo = out->ea;
	if (out->count > 1 && (regs->eflags & EFLAGS_DF))
		lo = out->ea - (uint64_t)out->access_size * (out->count - 1);
	out->ea_match = ok && span && fault_addr >= lo &&
			fault_addr - lo < span;
	if (out->count > 1 && (regs->eflags & EFLAGS_DF))
		out->ea = lo;

	cs_free(in, 1);
	return 0;
}
