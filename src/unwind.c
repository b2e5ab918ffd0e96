/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walk the stack of a ptrace-stopped thread of the target with libunwind. */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

struct unwinder {
	pid_t pid;
	unw_accessors_t accessors;
	unw_addr_space_t as;
	unw_dyn_info_t tables[TABLE_SLOTS];
	int ntables, next_table;
};

/* libunwind passes the accessor argument (the UPT handle) on to its own
 * internal calls, so it cannot be wrapped; the unwinder in use is found
 * here instead.  Set only for the duration of unwind_thread(). */
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

static int find_proc_info(unw_addr_space_t as, unw_word_t ip,
			  unw_proc_info_t *pi, int need, void *arg)
{
	struct unwinder *u = current;
	unw_dyn_info_t *di;
	int ret;

	for (int i = 0; u && i < u->ntables; i++) {
		di = &u->tables[i];
		if (ip >= di->start_ip && ip < di->end_ip)
			return UNW_OBJ(dwarf_search_unwind_table)(as, ip, di, pi,
								  need, arg);
	}
	ret = _UPT_find_proc_info(as, ip, pi, need, arg);
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

struct unwinder *unwinder_new(pid_t pid)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = pid;
	u->accessors = _UPT_accessors;
	u->accessors.find_proc_info = find_proc_info;
	u->as = unw_create_addr_space(&u->accessors, 0);
	if (!u->as) {
		free(u);
		return NULL;
	}
	/* Threads share one address space, so unwind info found for one is
	 * valid for all; unwinder_flush() handles mapping changes. */
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	unw_destroy_addr_space(u->as);
	free(u);
}

void unwinder_flush(struct unwinder *u)
{
	if (!u)
		return;
	unw_flush_cache(u->as, 0, 0);
	u->ntables = u->next_table = 0;
}

int unwind_thread(struct unwinder *u, pid_t tid, uint64_t *ips, int max)
{
	unw_cursor_t c;
	unw_word_t ip, sp, prev_ip = 0, prev_sp = 0;
	void *upt;
	int n = 0;

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
	do {
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		unw_get_reg(&c, UNW_REG_SP, &sp);
		/* Bad unwind info can make libunwind return the same frame
		 * forever; stop instead of filling IPS with copies. */
		if (n && ip == prev_ip && sp == prev_sp)
			break;
		ips[n++] = ip;
		prev_ip = ip;
		prev_sp = sp;
	} while (n < max && unw_step(&c) > 0);
	current = NULL;
	_UPT_destroy(upt);
	return n ? n : -1;
}
