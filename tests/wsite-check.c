/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test harness for insn.c, symbols.c and unwind.c against a ptrace-stopped wsite-target. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wsite.h"

/*
 * Usage: wsite-check KIND:TARGET...
 *   KIND is what the target binary was built with:
 *     dwarf     symbols and -g: expect names and file:line
 *     sym       symbols, no -g: expect names
 *     stripped  no symbols: expect module+offset
 *     debuglink like dwarf, the symbols and DWARF in a .gnu_debuglink file
 *               (skips the deleted-binary run, whose copy loses the link)
 * Without arguments only the target-independent decoder tests run.
 *
 * Build (until wired into make check):
 *   gcc -std=gnu11 -Wall -Wextra -Werror -I src -o wsite-check \
 *       src/insn.c src/symbols.c src/unwind.c tests/wsite-check.c \
 *       $(pkg-config --cflags --libs capstone libelf libdw \
 *         libunwind-ptrace libunwind-generic)
 *   gcc -g -O0 -o wsite-target-g tests/wsite-target.c
 *   gcc -O2 -fomit-frame-pointer -o wsite-target-O2 tests/wsite-target.c
 *   gcc -g -O2 -fomit-frame-pointer -no-pie -o wsite-target-nopie \
 *       tests/wsite-target.c
 *   strip -o wsite-target-stripped wsite-target-O2
 *   ./wsite-check dwarf:./wsite-target-g sym:./wsite-target-O2 \
 *       dwarf:./wsite-target-nopie stripped:./wsite-target-stripped
 */

enum kind { K_DWARF, K_SYM, K_STRIPPED };

static int failures, passes;

__attribute__((format(printf, 2, 3))) static void check(bool ok,
							 const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		passes++;
	else
		failures++;
}

/* ---- decoder tests on synthetic register state ---- */

struct dcase {
	const char *name;
	const char *bytes; /* hex */
	const char *text;
	uint64_t fault;
	uint64_t ea;
	uint32_t size;
	uint64_t count;
	bool match;
	void (*setup)(struct user_regs_struct *r);
};

static void r_base(struct user_regs_struct *r)
{
	memset(r, 0, sizeof(*r));
	r->rip = 0x401000;
	r->rax = 0x10000;
	r->rcx = 3;
	r->rdi = 0x20000;
	r->rsi = 0x30000;
	r->rsp = 0x7ffc0000;
	r->fs_base = 0x7f0000001000;
	r->gs_base = 0x7f0000002000;
	r->eflags = 0x202;
}

static void r_df(struct user_regs_struct *r)
{
	r_base(r);
	r->eflags |= 1 << 10;
	r->rcx = 4;
}

static void r_hi(struct user_regs_struct *r)
{
	r_base(r);
	r->rax = 0x100001000ULL;
}

static const struct dcase dcases[] = {
	{ "fs-relative", "644889042528000000", "mov qword ptr fs:[0x28], rax",
	  0x7f0000001028, 0x7f0000001028, 8, 1, true, r_base },
	{ "gs-relative", "654889042510000000", "mov qword ptr gs:[0x10], rax",
	  0x7f0000002014, 0x7f0000002010, 8, 1, true, r_base },
	{ "rip-relative", "48890510000000", "mov qword ptr [rip + 0x10], rax",
	  0x401017, 0x401017, 8, 1, true, r_base },
	{ "sib", "48c704c801000000", "mov qword ptr [rax + rcx*8], 1",
	  0x10018, 0x10018, 8, 1, true, r_base },
	{ "sib-miss", "48c704c801000000", "mov qword ptr [rax + rcx*8], 1",
	  0x10020, 0x10018, 8, 1, false, r_base },
	{ "lock cmpxchg", "f00fb10f", "lock cmpxchg dword ptr [rdi], ecx",
	  0x20002, 0x20000, 4, 1, true, r_base },
	{ "xchg", "488707", "xchg qword ptr [rdi], rax", 0x20000, 0x20000, 8,
	  1, true, r_base },
	{ "add-mem", "480107", "add qword ptr [rdi], rax", 0x20007, 0x20000,
	  8, 1, true, r_base },
	{ "inc-byte", "fe07", "inc byte ptr [rdi]", 0x20000, 0x20000, 1, 1,
	  true, r_base },
	{ "push reg", "50", "push rax", 0x7ffbfff8, 0x7ffbfff8, 8, 1, true,
	  r_base },
	{ "push mem", "ff742408", "push qword ptr [rsp + 8]", 0x7ffbfff8,
	  0x7ffbfff8, 8, 1, true, r_base },
	{ "call rel", "e800000000", "call 0x401005", 0x7ffbfffc, 0x7ffbfff8,
	  8, 1, true, r_base },
	{ "call mem", "ff10", "call qword ptr [rax]", 0x7ffbfff8, 0x7ffbfff8,
	  8, 1, true, r_base },
	{ "pushfq", "9c", "pushfq", 0x7ffbfff8, 0x7ffbfff8, 8, 1, true,
	  r_base },
	{ "stosq", "48ab", "stosq qword ptr [rdi], rax", 0x20000, 0x20000, 8,
	  1, true, r_base },
	{ "movsb", "a4", "movsb byte ptr [rdi], byte ptr [rsi]", 0x20000,
	  0x20000, 1, 1, true, r_base },
	{ "rep movsq", "f348a5", "rep movsq qword ptr [rdi], qword ptr [rsi]",
	  0x20010, 0x20000, 8, 3, true, r_base },
	{ "rep movsq-past", "f348a5",
	  "rep movsq qword ptr [rdi], qword ptr [rsi]", 0x20018, 0x20000, 8,
	  3, false, r_base },
	/* DF=1: elements at rdi, rdi-4, rdi-8, rdi-12 -> [rdi-12, rdi+4). */
	{ "rep stosd DF=1", "f3ab", "rep stosd dword ptr [rdi], eax",
	  0x20000 - 12, 0x20000 - 12, 4, 4, true, r_df },
	{ "rep stosd DF=1 miss", "f3ab", "rep stosd dword ptr [rdi], eax",
	  0x20004, 0x20000 - 12, 4, 4, false, r_df },
	/* SSE movsd shares capstone's id with the string op: no rep count. */
	{ "sse movsd", "f20f1107", "movsd qword ptr [rdi], xmm0", 0x20000,
	  0x20000, 8, 1, true, r_base },
	{ "addr32", "678810", "mov byte ptr [eax], dl", 0x1000, 0x1000, 1, 1,
	  true, r_hi },
	{ "vmovdqu", "c5fe7f07", "vmovdqu ymmword ptr [rdi], ymm0", 0x2001f,
	  0x20000, 32, 1, true, r_base },
	{ "movups", "0f1107", "movups xmmword ptr [rdi], xmm0", 0x2000f,
	  0x20000, 16, 1, true, r_base },
	{ "fxsave", "0fae07", "fxsave [rdi]", 0x201ff, 0x20000, 512, 1, true,
	  r_base },
	{ "syscall", "0f05", "syscall", 0x20000, 0, 0, 1, false, r_base },
};

static size_t unhex(const char *s, uint8_t *b)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2) {
		unsigned v;

		sscanf(s, "%2x", &v);
		b[n++] = (uint8_t)v;
	}
	return n;
}

static void decoder_tests(void)
{
	struct user_regs_struct r;
	struct insn_info ii;
	uint8_t b[16];

	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		size_t n = unhex(c->bytes, b);
		int rc;

		c->setup(&r);
		rc = insn_decode(b, n, &r, c->fault, &ii);
		check(rc == 0 && ii.len == n && !strcmp(ii.text, c->text) &&
			      ii.ea == c->ea && ii.access_size == c->size &&
			      ii.count == c->count && ii.ea_match == c->match,
		      "decode %-20s \"%s\" ea=%#" PRIx64 " size=%u count=%" PRIu64
		      " match=%d", c->name, ii.text, ii.ea, ii.access_size,
		      ii.count, ii.ea_match);
	}
	r_base(&r);
	/* 0x06 (push es) does not exist in 64-bit mode; "48 89" is cut short. */
	check(insn_decode((const uint8_t *)"\x06", 1, &r, 0, &ii) == -1 &&
		      ii.len == 0, "decode invalid opcode -> -1");
	check(insn_decode((const uint8_t *)"\x48\x89", 2, &r, 0, &ii) == -1 &&
		      ii.len == 0, "decode truncated bytes -> -1");
}

/* ---- live target tests ---- */

struct expect {
	char text[96];
	uint64_t ea, size, count, range_lo, range_hi;
	int line[4]; /* f3 store, f2/f1/f0 call lines */
	bool skip;
};

static void parse_expect(char *buf, struct expect *e)
{
	char *save = NULL, *tok;

	memset(e, 0, sizeof(*e));
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		char *v = strchr(tok, '=');

		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(tok, "text")) {
			snprintf(e->text, sizeof(e->text), "%s", v);
			for (char *p = e->text; *p; p++)
				if (*p == '_')
					*p = ' ';
		} else if (!strcmp(tok, "ea")) {
			e->ea = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "size")) {
			e->size = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "count")) {
			e->count = strtoull(v, NULL, 0);
		} else if (!strcmp(tok, "range")) {
			e->range_lo = strtoull(v, &v, 0);
			e->range_hi = strtoull(v + 1, NULL, 0);
		} else if (!strncmp(tok, "line_f", 6) && tok[6] >= '0' &&
			   tok[6] <= '3') {
			e->line[3 - (tok[6] - '0')] = atoi(v);
		} else if (!strcmp(tok, "skip")) {
			e->skip = true;
		}
	}
}

/* Lowest address the file is mapped at with file offset 0. */
static uint64_t load_base(pid_t pid, const char *name)
{
	char fn[64], line[4096];
	uint64_t base = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)pid);
	f = fopen(fn, "r");
	while (f && fgets(line, sizeof(line), f)) {
		uint64_t start, off;
		char *p = strrchr(line, '/');

		if (!p || strncmp(p + 1, name, strlen(name)) ||
		    (p[1 + strlen(name)] != '\n' && p[1 + strlen(name)] != ' '))
			continue;
		if (sscanf(line, "%" SCNx64 "-%*x %*s %" SCNx64, &start, &off) ==
			    2 && off == 0) {
			base = start;
			break;
		}
	}
	if (f)
		fclose(f);
	return base;
}

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p;
}

static void print_frames(const uint64_t *ips, const struct frame_info *fr,
			 int n)
{
	for (int i = 0; i < n; i++)
		printf("    #%-2d %#014" PRIx64 " %s%s%s+%#" PRIx64 " %s:%d\n",
		       i, ips[i], fr[i].module ? fr[i].module : "?",
		       fr[i].function ? " " : "",
		       fr[i].function ? fr[i].function : "", fr[i].offset,
		       fr[i].file ? fr[i].file : "-", fr[i].line);
}

/* Fork TARGET MODE under ptrace and run it to its SIGSEGV stop.  If
 * UNLINK_AFTER_EXEC, the binary is deleted once exec'd. */
static pid_t start_target(const char *target, const char *mode, int *outfd,
			  bool unlink_after_exec)
{
	int fds[2], st;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execl(target, target, mode, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*outfd = fds[0];
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		goto fail;
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_EXITKILL);
	if (unlink_after_exec)
		unlink(target);
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	for (;;) {
		if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
			goto fail;
		if (WSTOPSIG(st) == SIGSEGV)
			return pid;
		ptrace(PTRACE_CONT, pid, NULL,
		       (void *)(long)(WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st)));
	}
fail:
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fds[0]);
	return -1;
}

static void stop_target(pid_t pid, int fd)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fd);
}

static size_t read_code(pid_t pid, uint64_t addr, uint8_t *buf, size_t len)
{
	char fn[64];
	ssize_t n;
	int fd;

	snprintf(fn, sizeof(fn), "/proc/%d/mem", (int)pid);
	fd = open(fn, O_RDONLY);
	if (fd < 0)
		return 0;
	/* The instruction may end just before an unmapped page. */
	while ((n = pread(fd, buf, len, (off_t)addr)) < 0 && len > 1)
		len = 4096 - (addr & 4095) < len ? 4096 - (addr & 4095) : len - 1;
	close(fd);
	return n > 0 ? (size_t)n : 0;
}

static void read_expect(int fd, struct expect *e)
{
	char buf[4096];
	size_t n = 0;
	ssize_t r;

	/* The target wrote (and flushed) before faulting, so it is all
	 * in the pipe already; don't block for more. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	parse_expect(buf, e);
}

static void run_mode(enum kind kind, const char *target, const char *mode,
		     bool deleted)
{
	struct user_regs_struct regs;
	struct insn_info ii;
	struct expect e;
	siginfo_t si;
	uint8_t code[16];
	uint64_t ips[64], fault;
	struct frame_info fr[64];
	const char *tname = base_name(target);
	char tag[160];
	int fd, n;
	pid_t pid;

	snprintf(tag, sizeof(tag), "%s %s%s", tname, mode,
		 deleted ? " (deleted binary)" : "");
	pid = start_target(target, mode, &fd, deleted);
	if (pid < 0) {
		check(false, "%s: target did not reach its fault", tag);
		return;
	}
	read_expect(fd, &e);
	if (e.skip) {
		printf("SKIP: %s\n", tag);
		stop_target(pid, fd);
		return;
	}
	ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
	ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	fault = (uint64_t)si.si_addr;

	/* Decoding */
	if (insn_decode(code, read_code(pid, regs.rip, code, sizeof(code)),
			&regs, fault, &ii)) {
		check(false, "%s: decode at %#llx", tag, regs.rip);
	} else if (e.text[0]) {
		bool text_ok = e.text[strlen(e.text) - 1] == '*'
				       ? !strncmp(ii.text, e.text,
						  strlen(e.text) - 1)
				       : !strcmp(ii.text, e.text);

		check(text_ok && ii.ea == e.ea && ii.access_size == e.size &&
			      ii.count == e.count && ii.ea_match,
		      "%s: \"%s\" ea=%#" PRIx64 "/%#" PRIx64 " size=%u count=%"
		      PRIu64 " fault=%#" PRIx64 " match=%d", tag, ii.text,
		      ii.ea, e.ea, ii.access_size, ii.count, fault, ii.ea_match);
	} else {
		bool in_range = !e.range_hi ||
				(fault >= e.range_lo && fault < e.range_hi);

		check(ii.ea_match && in_range,
		      "%s: \"%s\" ea=%#" PRIx64 " size=%u count=%" PRIu64
		      " fault=%#" PRIx64 " match=%d", tag, ii.text, ii.ea,
		      ii.access_size, ii.count, fault, ii.ea_match);
	}

	/* Unwinding + symbolization */
	struct unwinder *u = unwinder_new(pid);
	struct symbolizer *s = symbolizer_new(pid);

	n = u && s ? unwind_thread(u, pid, ips, 64) : -1;
	check(n > 0 && ips[0] == regs.rip, "%s: unwind depth %d, ips[0]=rip",
	      tag, n);
	for (int i = 0; i < n; i++)
		/* Return addresses point after the call; look up the call. */
		symbolize(s, i ? ips[i] - 1 : ips[i], &fr[i]);
	for (int i = 1; i < n; i++)
		fr[i].offset++;
	if (n > 0)
		print_frames(ips, fr, n);

	if (!strcmp(mode, "chain") && n >= 5) {
		static const char *const names[] = { "f3", "f2", "f1", "f0",
						     "main" };
		bool ok = true;

		if (kind == K_STRIPPED) {
			uint64_t base = load_base(pid, tname);

			for (int i = 0; i < 5; i++)
				ok &= fr[i].module && !strcmp(fr[i].module, tname) &&
				      !fr[i].function && base &&
				      fr[i].offset == ips[i] - base;
			check(ok, "%s: stripped frames are %s+offset (base %#"
			      PRIx64 ")", tag, tname, base);
		} else {
			for (int i = 0; i < 5; i++)
				ok &= fr[i].module && !strcmp(fr[i].module, tname) &&
				      fr[i].function &&
				      !strcmp(fr[i].function, names[i]);
			check(ok, "%s: frames f3 f2 f1 f0 main", tag);
		}
		if (kind == K_DWARF) {
			ok = true;
			for (int i = 0; i < 4; i++)
				ok &= fr[i].file &&
				      !strcmp(base_name(fr[i].file),
					      "wsite-target.c") &&
				      fr[i].line == e.line[i];
			check(ok, "%s: lines %d %d %d %d", tag, e.line[0],
			      e.line[1], e.line[2], e.line[3]);
		} else {
			check(!fr[0].file, "%s: no file:line without DWARF", tag);
		}
		/* Past main we are in libc, which always has .dynsym. */
		ok = false;
		for (int i = 5; i < n; i++)
			ok |= fr[i].module && !strcmp(fr[i].module, "libc.so.6");
		check(ok, "%s: libc frame below main", tag);
	} else if (!strcmp(mode, "chain")) {
		check(false, "%s: chain too short", tag);
	} else if (!strcmp(mode, "memset")) {
		bool ok = false;

		for (int i = 1; i < n && !ok; i++)
			ok = fr[i].module && !strcmp(fr[i].module, tname) &&
			     (kind == K_STRIPPED ||
			      (fr[i].function &&
			       !strcmp(fr[i].function, "do_memset")));
		check(n > 1 && fr[0].module &&
			      !strcmp(fr[0].module, "libc.so.6") && ok,
		      "%s: fault inside libc, caller do_memset found", tag);
	} else if (n > 0) {
		check(fr[0].module && !strcmp(fr[0].module, tname) &&
			      (kind == K_STRIPPED ||
			       (fr[0].function &&
				!strcmp(fr[0].function, "main"))),
		      "%s: frame 0 in %s main", tag, tname);
	}

	/* After a flush the same answers must come back (re-read maps). */
	if (n > 0 && s) {
		struct frame_info again;

		symbolizer_flush(s);
		unwinder_flush(u);
		symbolize(s, ips[0], &again);
		check(again.module == fr[0].module &&
			      again.function == fr[0].function &&
			      again.offset == fr[0].offset,
		      "%s: same frame after flush", tag);
	}
	unwinder_free(u);
	symbolizer_free(s);
	stop_target(pid, fd);
}

/* Scan our own [vdso] (same image as every process on this kernel) for a
 * clock_gettime symbol, exercising the in-memory ELF path. */
static void vdso_test(void)
{
	struct symbolizer *s = symbolizer_new(getpid());
	struct frame_info fi;
	uint64_t lo = 0, hi = 0;
	char line[512];
	bool found = false, mod_ok = true;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]"))
			sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi);
	if (f)
		fclose(f);
	for (uint64_t a = lo; s && a < hi; a += 8) {
		if (symbolize(s, a, &fi))
			continue;
		mod_ok &= fi.module && !strcmp(fi.module, "[vdso]");
		if (fi.function && strstr(fi.function, "clock_gettime"))
			found = true;
	}
	check(lo && mod_ok && found, "vdso: module [vdso], clock_gettime found");
	symbolizer_free(s);
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "byte",	  "qword",
					     "repstosb",  "repstosb-down",
					     "avx",	  "avx-split",
					     "push",	  "call",
					     "chain",	  "memset" };

	setvbuf(stdout, NULL, _IOLBF, 0);
	decoder_tests();
	vdso_test();
	for (int a = 1; a < argc; a++) {
		char *colon = strchr(argv[a], ':');
		bool debuglink = false;
		enum kind kind;

		if (!colon) {
			fprintf(stderr, "bad argument %s\n", argv[a]);
			return 2;
		}
		*colon = '\0';
		if (!strcmp(argv[a], "dwarf"))
			kind = K_DWARF;
		else if (!strcmp(argv[a], "sym"))
			kind = K_SYM;
		else if (!strcmp(argv[a], "stripped"))
			kind = K_STRIPPED;
		else if (!strcmp(argv[a], "debuglink"))
			kind = K_DWARF, debuglink = true;
		else {
			fprintf(stderr, "bad kind %s\n", argv[a]);
			return 2;
		}
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
			run_mode(kind, colon + 1, modes[m], false);

		if (debuglink)
			continue;
		/* The file behind the mapping is gone: map_files must work. */
		char tmp[] = "/tmp/wsite-del-XXXXXX";
		int in = open(colon + 1, O_RDONLY), out = mkstemp(tmp);
		struct stat st;

		if (in >= 0 && out >= 0 && !fstat(in, &st) &&
		    sendfile(out, in, NULL, st.st_size) == st.st_size &&
		    !fchmod(out, 0700)) {
			close(out);
			out = -1;
			run_mode(kind, tmp, "chain", true);
		} else {
			check(false, "copy %s for the deleted-binary test",
			      colon + 1);
		}
		if (in >= 0)
			close(in);
		if (out >= 0) {
			close(out);
			unlink(tmp);
		}
	}
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
