/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walk the stack of a target thread with libunwind, ptrace-stopped or from a perf sample. */
#include <asm/perf_regs.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wsite.h"

/* Modules whose unwind table we located ourselves (see find_proc_info). */
#define TABLE_SLOTS 32

/* Not in the public headers, but exported and used the same way by other
 * remote unwinders (perf): binary search of a remote .eh_frame_hdr. */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as,
					      unw_word_t ip,
					      unw_dyn_info_t *di,
					      unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

/* The perf sample being unwound by unwind_sample(). */
struct sample {
	const uint64_t *regs; /* indexed by PERF_REG_X86_* */
	uint64_t sp;
	const uint8_t *stack; /* copy of [sp, sp + len) */
	size_t len;
};

struct unwinder {
	pid_t pid;
	unw_accessors_t accessors;
	unw_addr_space_t as;
	/* unwind_sample(): its own address space, since the accessors differ,
	 * and one UPT handle for the ELF lookups (it only caches the last
	 * module's unwind table; nothing is attached or stopped). */
	unw_accessors_t sample_accessors;
	unw_addr_space_t sas;
	void *upt;
	struct sample sample;
	unw_dyn_info_t tables[TABLE_SLOTS];
	int ntables, next_table;
};

/* libunwind passes the accessor argument (the UPT handle) on to its own
 * internal calls, so it cannot be wrapped; the unwinder in use is found
 * here instead.  Set only for the duration of unwind_thread() and
 * unwind_sample(). */
static __thread struct unwinder *current;

/*
 * libunwind-ptrace opens the module by the path in /proc/PID/maps, which
 * fails for deleted files (upgraded packages) and for targets in another
 * mount namespace.  When it finds nothing we locate .eh_frame_hdr through
 * /proc/PID/map_files instead and let libunwind search it in the target's
 * memory.
 */
static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

static int locate_table(struct unwinder *u, unw_word_t ip, unw_dyn_info_t *di)
{
	char fn[64], *line = NULL;
	size_t cap = 0;
	uint64_t start = 0, end = 0, off = 0, foff, bias = 0;
	Elf64_Ehdr eh;
	Elf64_Phdr ph, text = { 0 }, ehf = { 0 };
	uint8_t hdr[12];
	uint32_t fde_count;
	bool found = false;
	FILE *f;
	int fd;

	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)u->pid);
	f = fopen(fn, "re");
	if (!f)
		return -UNW_ENOINFO;
	while (!found && getline(&line, &cap, f) > 0)
		found = sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64,
			       &start, &end, &off) == 3 &&
			ip >= start && ip < end;
	free(line);
	fclose(f);
	if (!found)
		return -UNW_ENOINFO;
	snprintf(fn, sizeof(fn), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
		 (int)u->pid, start, end);
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -UNW_ENOINFO;
	foff = ip - start + off;
	found = read_at(fd, &eh, sizeof(eh), 0) &&
		!memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
		eh.e_ident[EI_CLASS] == ELFCLASS64 &&
		eh.e_phentsize == sizeof(ph);
	for (int i = 0; found && i < eh.e_phnum; i++) {
		if (!read_at(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)))
			break;
		if (ph.p_type == PT_LOAD && foff >= ph.p_offset &&
		    foff - ph.p_offset < ph.p_filesz)
			text = ph;
		else if (ph.p_type == PT_GNU_EH_FRAME)
			ehf = ph;
	}
	/* Only the layout every linker emits: version 1, pcrel|sdata4
	 * eh_frame pointer, udata4 count, datarel|sdata4 sorted table. */
	found = found && text.p_type == PT_LOAD && ehf.p_filesz >= 12 &&
		read_at(fd, hdr, sizeof(hdr), ehf.p_offset) && hdr[0] == 1 &&
		hdr[1] == 0x1b && hdr[2] == 0x03 && hdr[3] == 0x3b;
	close(fd);
	if (!found)
		return -UNW_ENOINFO;
	memcpy(&fde_count, hdr + 8, 4);
	bias = ip - (foff - text.p_offset + text.p_vaddr);
	memset(di, 0, sizeof(*di));
	di->format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di->start_ip = bias + text.p_vaddr;
	di->end_ip = bias + text.p_vaddr + text.p_memsz;
	di->u.rti.segbase = bias + ehf.p_vaddr;
	di->u.rti.table_data = bias + ehf.p_vaddr + 12;
	/* Entries are two int32s, the length is counted in words. */
	di->u.rti.table_len = (unw_word_t)fde_count * 8 / sizeof(unw_word_t);
	return 0;
}

/* UPT is the handle _UPT_find_proc_info needs; ARG is what the table
 * search hands on to the address space's access_mem. */
static int lookup_proc_info(struct unwinder *u, unw_addr_space_t as,
			    unw_word_t ip, unw_proc_info_t *pi, int need,
			    void *upt, void *arg)
{
	unw_dyn_info_t *di;
	int ret;

	for (int i = 0; u && i < u->ntables; i++) {
		di = &u->tables[i];
		if (ip >= di->start_ip && ip < di->end_ip)
			return UNW_OBJ(dwarf_search_unwind_table)(as, ip, di, pi,
								  need, arg);
	}
	ret = _UPT_find_proc_info(as, ip, pi, need, upt);
	if (ret != -UNW_ENOINFO || !u)
		return ret;
	di = &u->tables[u->next_table];
	if (locate_table(u, ip, di))
		return ret;
	u->next_table = (u->next_table + 1) % TABLE_SLOTS;
	if (u->ntables < TABLE_SLOTS)
		u->ntables++;
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, di, pi, need, arg);
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip,
			  unw_proc_info_t *pi, int need, void *arg)
{
	return lookup_proc_info(current, as, ip, pi, need, arg, arg);
}

/*
 * Accessors of the sample address space.  ARG is the unwinder, except
 * for the memory reads _UPT_find_proc_info makes with its own handle;
 * those are of unwind tables, never of the stack, and are served from
 * the live process like any address outside the copy.
 */
static int sample_find_proc_info(unw_addr_space_t as, unw_word_t ip,
				 unw_proc_info_t *pi, int need, void *arg)
{
	struct unwinder *u = arg;

	return lookup_proc_info(u, as, ip, pi, need, u->upt, u);
}

static void sample_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi,
				   void *arg)
{
	_UPT_put_unwind_info(as, pi, ((struct unwinder *)arg)->upt);
}

static int sample_get_dyn_info_list_addr(unw_addr_space_t as,
					 unw_word_t *addr, void *arg)
{
	return _UPT_get_dyn_info_list_addr(as, addr,
					   ((struct unwinder *)arg)->upt);
}

static int sample_get_proc_name(unw_addr_space_t as, unw_word_t ip,
				char *buf, size_t len, unw_word_t *off,
				void *arg)
{
	return _UPT_get_proc_name(as, ip, buf, len, off,
				  ((struct unwinder *)arg)->upt);
}

static int sample_access_mem(unw_addr_space_t as, unw_word_t addr,
			     unw_word_t *val, int write, void *arg)
{
	struct unwinder *u = current && arg == current->upt ? current : arg;
	const struct sample *smp;
	struct iovec local = { val, sizeof(*val) };
	struct iovec remote = { (void *)(uintptr_t)addr, sizeof(*val) };

	(void)as;
	if (write)
		return -UNW_EINVAL;
	smp = &u->sample;
	if (addr >= smp->sp && addr - smp->sp <= smp->len &&
	    smp->len - (addr - smp->sp) >= sizeof(*val)) {
		memcpy(val, smp->stack + (addr - smp->sp), sizeof(*val));
		return 0;
	}
	/* Code, unwind tables and the stack above the copy: the target has
	 * run on since the sample, but only the stack can have changed. */
	/* Via syscall(): the glibc wrapper needs _GNU_SOURCE, which the
	 * wsite-check build does not define. */
	if (syscall(SYS_process_vm_readv, u->pid, &local, 1UL, &remote, 1UL,
		    0UL) != (long)sizeof(*val))
		return -UNW_EINVAL;
	return 0;
}

static int sample_access_reg(unw_addr_space_t as, unw_regnum_t reg,
			     unw_word_t *val, int write, void *arg)
{
	static const int8_t perf_reg[] = {
		[UNW_X86_64_RAX] = PERF_REG_X86_AX,
		[UNW_X86_64_RDX] = PERF_REG_X86_DX,
		[UNW_X86_64_RCX] = PERF_REG_X86_CX,
		[UNW_X86_64_RBX] = PERF_REG_X86_BX,
		[UNW_X86_64_RSI] = PERF_REG_X86_SI,
		[UNW_X86_64_RDI] = PERF_REG_X86_DI,
		[UNW_X86_64_RBP] = PERF_REG_X86_BP,
		[UNW_X86_64_RSP] = PERF_REG_X86_SP,
		[UNW_X86_64_R8] = PERF_REG_X86_R8,
		[UNW_X86_64_R9] = PERF_REG_X86_R9,
		[UNW_X86_64_R10] = PERF_REG_X86_R10,
		[UNW_X86_64_R11] = PERF_REG_X86_R11,
		[UNW_X86_64_R12] = PERF_REG_X86_R12,
		[UNW_X86_64_R13] = PERF_REG_X86_R13,
		[UNW_X86_64_R14] = PERF_REG_X86_R14,
		[UNW_X86_64_R15] = PERF_REG_X86_R15,
		[UNW_X86_64_RIP] = PERF_REG_X86_IP,
	};
	const struct unwinder *u = arg;

	(void)as;
	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || (size_t)reg >= sizeof(perf_reg) / sizeof(perf_reg[0]))
		return -UNW_EBADREG;
	*val = u->sample.regs[perf_reg[reg]];
	return 0;
}

static int sample_access_fpreg(unw_addr_space_t as, unw_regnum_t reg,
			       unw_fpreg_t *val, int write, void *arg)
{
	(void)as, (void)reg, (void)val, (void)write, (void)arg;
	return -UNW_EINVAL;
}

static int sample_resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as, (void)c, (void)arg;
	return -UNW_EUNSPEC;
}

struct unwinder *unwinder_new(pid_t pid)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = pid;
	u->accessors = _UPT_accessors;
	u->accessors.find_proc_info = find_proc_info;
	u->as = unw_create_addr_space(&u->accessors, 0);
	u->sample_accessors = (unw_accessors_t){
		.find_proc_info = sample_find_proc_info,
		.put_unwind_info = sample_put_unwind_info,
		.get_dyn_info_list_addr = sample_get_dyn_info_list_addr,
		.access_mem = sample_access_mem,
		.access_reg = sample_access_reg,
		.access_fpreg = sample_access_fpreg,
		.resume = sample_resume,
		.get_proc_name = sample_get_proc_name,
	};
	u->sas = unw_create_addr_space(&u->sample_accessors, 0);
	u->upt = _UPT_create(pid);
	if (!u->as || !u->sas || !u->upt) {
		unwinder_free(u);
		return NULL;
	}
	/* Threads share one address space, so unwind info found for one is
	 * valid for all; unwinder_flush() handles mapping changes. */
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	unw_set_caching_policy(u->sas, UNW_CACHE_GLOBAL);
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->as)
		unw_destroy_addr_space(u->as);
	if (u->sas)
		unw_destroy_addr_space(u->sas);
	if (u->upt)
		_UPT_destroy(u->upt);
	free(u);
}

void unwinder_flush(struct unwinder *u)
{
	void *upt;

	if (!u)
		return;
	unw_flush_cache(u->as, 0, 0);
	unw_flush_cache(u->sas, 0, 0);
	u->ntables = u->next_table = 0;
	/* The handle keeps the last module's table by address range, which a
	 * new mapping at the same place would make stale. */
	upt = _UPT_create(u->pid);
	if (upt) {
		_UPT_destroy(u->upt);
		u->upt = upt;
	}
}

/* Collect the frames of an initialized cursor into IPS. */
static int walk(unw_cursor_t *c, uint64_t *ips, int max)
{
	unw_word_t ip, sp, prev_ip = 0, prev_sp = 0;
	int n = 0;

	do {
		if (unw_get_reg(c, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		unw_get_reg(c, UNW_REG_SP, &sp);
		/* Bad unwind info can make libunwind return the same frame
		 * forever; stop instead of filling IPS with copies. */
		if (n && ip == prev_ip && sp == prev_sp)
			break;
		ips[n++] = ip;
		prev_ip = ip;
		prev_sp = sp;
	} while (n < max && unw_step(c) > 0);
	return n ? n : -1;
}

int unwind_thread(struct unwinder *u, pid_t tid, uint64_t *ips, int max)
{
	unw_cursor_t c;
	void *upt;
	int n;

	if (!u || !ips || max <= 0)
		return -1;
	/* A fresh UPT handle per call measured as fast as keeping one per
	 * thread (the address-space cache does the real work), and nothing
	 * can go stale when threads exit or mappings change. */
	upt = _UPT_create(tid);
	if (!upt)
		return -1;
	current = u;
	if (unw_init_remote(&c, u->as, upt) < 0) {
		current = NULL;
		_UPT_destroy(upt);
		return -1;
	}
	n = walk(&c, ips, max);
	current = NULL;
	_UPT_destroy(upt);
	return n;
}

int unwind_sample(struct unwinder *u, const uint64_t *regs, uint64_t sp,
		  const void *stack, size_t len, uint64_t *ips, int max)
{
	unw_cursor_t c;
	int n = -1;

	if (!u || !regs || (!stack && len) || !ips || max <= 0)
		return -1;
	u->sample = (struct sample){ regs, sp, stack, len };
	current = u;
	if (unw_init_remote(&c, u->sas, u) >= 0)
		n = walk(&c, ips, max);
	current = NULL;
	u->sample = (struct sample){ 0 };
	return n;
}
