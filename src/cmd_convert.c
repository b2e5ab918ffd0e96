/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "uffdtrace convert --ctf DIR TRACE": a saved trace as Common Trace Format
 * 1.8, for babeltrace2, Trace Compass and other CTF readers. */
#include "commands.h"
#include "ctf.h"
#include "log.h"
#include "syscalls.h"
#include "trace_load.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Event class ids in the stream, and the names readers show. */
enum { CTF_EV_WRITE, CTF_EV_REGION, CTF_EV_THREAD };

/* The files a conversion writes: all that --force may replace. */
#define STREAM_FILE "uffdtrace_0"
#define METADATA_FILE "metadata"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: uffdtrace convert --ctf DIR [--force] TRACE\n"
"Convert a trace recorded with 'uffdtrace -o TRACE' for other tools.\n"
"\n"
"      --ctf DIR        write Common Trace Format 1.8 into directory DIR\n"
"                       (created; read it with 'babeltrace2 DIR')\n"
"      --force          replace an earlier conversion in DIR\n"
"  -h, --help           show this help and exit\n");
}

/* What the info records say, kept until the metadata is written last:
 * they precede the events in the file, but "pid" and "exit_status" may
 * come after some of them. */
struct convert_info {
	char tool[128];
	char kernel[256];
	long page_size;
};

static void info_record(struct convert_info *ci, const char *key, const char *value)
{
	if (strcmp(key, "tool") == 0)
		snprintf(ci->tool, sizeof ci->tool, "%s", value);
	else if (strcmp(key, "kernel") == 0)
		snprintf(ci->kernel, sizeof ci->kernel, "%s", value);
	else if (strcmp(key, "page_size") == 0)
		ci->page_size = atol(value);
}

/* A growing text buffer for the joined backtrace, reused by every event. */
struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

/* babeltrace2 2.0 prints an empty string field as the previous event's
 * value of that field: never write one. */
static const char *or_none(const char *s)
{
	return s && *s ? s : "-";
}

static void emit_write(struct ctf_stream *s, struct model *m, const struct event *e,
		       struct text *stack)
{
	const struct context_tables *c = &m->ctx;
	uint32_t depth;
	const uint32_t *frames = context_stack_frames(c, e->stack, &depth);
	char fbuf[256], sbuf[32];
	const char *function = "", *module = "", *syscall = "", *insn = "";
	if (depth) {
		function = report_frame_name(m, frames[0], fbuf, sizeof fbuf);
		module = context_str(c, c->frames[frames[0]].module);
	}
	if (e->insn)
		insn = context_str(c, c->insns[e->insn].text);
	if ((e->flags & EV_KERNEL) && e->syscall >= 0) {
		syscall = syscall_name(e->syscall);
		if (!syscall) {
			snprintf(sbuf, sizeof sbuf, "syscall_%d", (int)e->syscall);
			syscall = sbuf;
		}
	}
	stack->len = 0;
	text_add(stack, "");
	for (uint32_t k = 0; k < depth; k++) {
		char buf[256];
		if (k)
			text_add(stack, " <- ");
		text_add(stack, report_frame_name(m, frames[k], buf, sizeof buf));
	}
	const struct region_stat *rs = model_region(m, e->region);

	ctf_event_begin(s, CTF_EV_WRITE, e->time_ns);
	ctf_u32(s, e->tid);
	ctf_u32(s, e->pid);
	ctf_u64(s, e->addr);
	ctf_u64(s, PAGE_OF(e->addr));
	ctf_u32(s, e->region);
	ctf_u8(s, rs ? (uint8_t)rs->r.kind : 0);
	/* A page found dirty when tracking began was written by nobody we
	 * know: neither "user" nor "kernel" would be true. */
	ctf_str(s, e->flags & EV_UNTRACKED ? "untracked" : e->flags & EV_KERNEL ? "kernel" : "user");
	ctf_str(s, or_none(syscall));
	ctf_u64(s, e->ip);
	ctf_str(s, or_none(function));
	ctf_str(s, or_none(module));
	ctf_str(s, or_none(insn));
	ctf_str(s, or_none(stack->s));
	ctf_u32(s, e->flags);
	ctf_event_end(s);
}

static void emit_region(struct ctf_stream *s, const struct region *r)
{
	/* A later record of a region it already told of (grown, or
	 * unmapped) gets the time of that change, or failing that the
	 * previous event's: ctf_event_begin never lets time go back. */
	ctf_event_begin(s, CTF_EV_REGION, r->unmapped ? r->unmapped_ns : r->first_ns);
	ctf_u32(s, r->id);
	ctf_u32(s, r->pid);
	ctf_u8(s, (uint8_t)r->kind);
	ctf_u64(s, r->start);
	ctf_u64(s, r->end);
	ctf_u8(s, r->unmapped ? 1 : 0);
	ctf_event_end(s);
}

static void emit_thread(struct ctf_stream *s, uint32_t pid, uint32_t tid)
{
	/* A thread record has no time of its own: that of the last event. */
	ctf_event_begin(s, CTF_EV_THREAD, 0);
	ctf_u32(s, pid);
	ctf_u32(s, tid);
	ctf_event_end(s);
}

static void metadata_events(FILE *f)
{
	fputs("typealias enum : uint8_t { heap = 0, anon = 1, stack = 2 } := region_kind_t;\n"
	      "\n"
	      "event {\n"
	      "\tname = \"uffdtrace:write\";\n"
	      "\tid = 0;\n"
	      "\tstream_id = 0;\n"
	      "\tfields := struct {\n"
	      "\t\tuint32_t tid;\n"
	      "\t\tuint32_t pid;\n"
	      "\t\tuint64_hex_t addr;\n"
	      "\t\tuint64_hex_t page;\n"
	      "\t\tuint32_t region;\n"
	      "\t\tregion_kind_t region_kind;\n"
	      "\t\tstring kind;\n"
	      "\t\tstring syscall;\n"
	      "\t\tuint64_hex_t ip;\n"
	      "\t\tstring function;\n"
	      "\t\tstring module;\n"
	      "\t\tstring insn;\n"
	      "\t\tstring stack;\n"
	      "\t\tuint32_hex_t flags;\n"
	      "\t};\n"
	      "};\n"
	      "\n"
	      "event {\n"
	      "\tname = \"uffdtrace:region\";\n"
	      "\tid = 1;\n"
	      "\tstream_id = 0;\n"
	      "\tfields := struct {\n"
	      "\t\tuint32_t id;\n"
	      "\t\tuint32_t pid;\n"
	      "\t\tregion_kind_t kind;\n"
	      "\t\tuint64_hex_t start;\n"
	      "\t\tuint64_hex_t end;\n"
	      "\t\tuint8_t unmapped;\n"
	      "\t};\n"
	      "};\n"
	      "\n"
	      "event {\n"
	      "\tname = \"uffdtrace:thread\";\n"
	      "\tid = 2;\n"
	      "\tstream_id = 0;\n"
	      "\tfields := struct {\n"
	      "\t\tuint32_t pid;\n"
	      "\t\tuint32_t tid;\n"
	      "\t};\n"
	      "};\n", f);
}

/* Write DIR/metadata last, once every info record has been read.
 * Returns 0, or -errno. */
static int write_metadata(const char *path, const struct trace_load *l, const struct convert_info *ci)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -errno;
	ctf_metadata_begin(f);
	fputs("env {\n\ttracer_name = \"uffdtrace\";\n", f);
	if (ci->tool[0]) {
		fputs("\ttool = ", f);
		ctf_tsdl_string(f, ci->tool);
		fputs(";\n", f);
	}
	fputs("\tcommand = ", f);
	ctf_tsdl_string(f, l->command);
	fputs(";\n", f);
	if (l->run.pid > 0)
		fprintf(f, "\tpid = %d;\n", (int)l->run.pid);
	if (ci->kernel[0]) {
		fputs("\tkernel = ", f);
		ctf_tsdl_string(f, ci->kernel);
		fputs(";\n", f);
	}
	if (ci->page_size > 0)
		fprintf(f, "\tpage_size = %ld;\n", ci->page_size);
	if (l->run.exited)
		fprintf(f, "\texit_status = %d;\n", l->run.exit_status);
	/* 0 when the trace was cut short: the run went on past its end. */
	fprintf(f, "\ttrace_complete = %d;\n", l->complete ? 1 : 0);
	fputs("};\n\n", f);
	ctf_metadata_stream(f);
	metadata_events(f);
	int err = ferror(f) ? EIO : 0;
	if (fclose(f) != 0 && !err)
		err = errno;
	return -err;
}

/* Make DIR ready: created if missing; if it exists it must be empty, or
 * with --force hold nothing but an earlier conversion's files (which are
 * then replaced): every file in a CTF directory is read as part of the
 * trace, so leftovers would corrupt it.  Returns 0, or -1 after saying why. */
static int prepare_dir(const char *dir, bool force)
{
	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno != EEXIST) {
		int e = errno;
		err_msg("cannot create directory %s: %s", dir, strerror(e));
		fprintf(stderr, "  hint: %s\n", e == ENOENT ? "its parent directory must exist"
			: "give a directory you can write to");
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_msg("%s exists and is not a directory", dir);
		fputs("  hint: --ctf names a directory to create for the trace's files\n", stderr);
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		err_msg("cannot read directory %s: %s", dir, strerror(errno));
		fputs("  hint: give a directory you can write to\n", stderr);
		return -1;
	}
	const char *other = NULL;
	char other_buf[256];
	bool any = false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		any = true;
		if (strcmp(de->d_name, METADATA_FILE) && strcmp(de->d_name, STREAM_FILE) && !other) {
			snprintf(other_buf, sizeof other_buf, "%s", de->d_name);
			other = other_buf;
		}
	}
	closedir(d);
	if (!any)
		return 0;
	if (!force) {
		err_msg("directory %s exists and is not empty", dir);
		fputs("  hint: give a new directory, or --force to replace an earlier conversion in it\n", stderr);
		return -1;
	}
	if (other) {
		err_msg("directory %s holds '%s', which uffdtrace did not write", dir, other);
		fputs("  hint: --force replaces only an earlier conversion; give a new directory\n", stderr);
		return -1;
	}
	/* The stream is rewritten with O_TRUNC; the old metadata goes now, so
	 * that a failure half way leaves no trace that looks complete. */
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, METADATA_FILE);
	if (unlink(path) < 0 && errno != ENOENT) {
		err_msg("cannot replace %s: %s", path, strerror(errno));
		fputs("  hint: give a directory you can write to\n", stderr);
		return -1;
	}
	return 0;
}

int cmd_convert(int argc, char **argv)
{
	enum { OPT_CTF = 256, OPT_FORCE };
	static const struct option longopts[] = {
		{ "ctf", required_argument, NULL, OPT_CTF },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dir = NULL;
	bool force = false;
	int c;
	opterr = 0;
	optind = 1;
	usage_command("uffdtrace convert --help");
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CTF:
			if (!*optarg)
				usage_error("%s", "convert: --ctf needs a directory name");
			dir = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			/* bad_option would name a long option by optopt, which
			 * then holds its code (OPT_CTF), not a character. */
			if (optopt >= 256)
				usage_error(c == ':' ? "option '%s' needs an argument"
					    : "option '%s' takes no argument", argv[optind - 1]);
			bad_option(c, argv);
		}
	}
	if (optind != argc - 1)
		usage_error("%s", optind >= argc ? "convert: give the trace file to read"
						 : "convert: give one trace file");
	if (!dir)
		usage_error("%s", "convert: give the output format and place: --ctf DIR");
	if (strlen(dir) > 4000)
		usage_error("%s", "convert: the --ctf directory name is too long");

	struct trace_load l;
	struct trace_record rec;
	trace_load_open(&l, argv[optind]);
	/* The first record shows whether this is a trace at all, before
	 * anything is created. */
	enum trace_status st = trace_load_next(&l, &rec);
	if (st == TRACE_BAD) {
		err_msg("%s", l.error);
		fputs("  hint: a trace file is written by 'uffdtrace -o FILE'; this one cannot be read\n", stderr);
		trace_load_close(&l);
		return EXIT_TRACER_ERROR;
	}
	if (prepare_dir(dir, force) < 0) {
		trace_load_close(&l);
		return EXIT_TRACER_ERROR;
	}
	char path[4096 + 64];
	snprintf(path, sizeof path, "%s/%s", dir, STREAM_FILE);
	struct ctf_stream s;
	int rc = ctf_open(&s, path);
	if (rc < 0) {
		err_msg("cannot create %s: %s", path, strerror(-rc));
		fputs("  hint: give a directory you can write to\n", stderr);
		trace_load_close(&l);
		return EXIT_TRACER_ERROR;
	}

	struct convert_info ci = { .page_size = 0 };
	struct text stack = { 0 };
	for (; st == TRACE_OK && !s.error; st = trace_load_next(&l, &rec)) {
		switch (rec.type) {
		case UFT_REC_INFO:
			info_record(&ci, rec.info.key, rec.info.value);
			break;
		case UFT_REC_REGION:
			emit_region(&s, &rec.region);
			break;
		case UFT_REC_THREAD:
			emit_thread(&s, rec.thread.pid, rec.thread.tid);
			break;
		case UFT_REC_EVENT:
			emit_write(&s, l.model, &rec.event, &stack);
			break;
		default:
			break;
		}
	}
	free(stack.s);
	uint64_t writes = l.events;
	rc = ctf_close(&s, l.last_ns);
	int code = 0;
	if (rc < 0) {
		err_msg("writing %s failed: %s", path, strerror(-rc));
		fputs("  hint: check the free space of the file system\n", stderr);
		code = EXIT_TRACER_ERROR;
	} else {
		/* The metadata comes last: a directory without it is no trace,
		 * so an interrupted conversion is not mistaken for a whole one. */
		snprintf(path, sizeof path, "%s/%s", dir, METADATA_FILE);
		rc = write_metadata(path, &l, &ci);
		if (rc < 0) {
			err_msg("cannot write %s: %s", path, strerror(-rc));
			fputs("  hint: check the free space of the file system\n", stderr);
			code = EXIT_TRACER_ERROR;
		}
	}
	if (st == TRACE_CUT_SHORT) {
		warn_msg("%s; %s holds the %" PRIu64 " writes before that", l.error, dir, writes);
		code = EXIT_TRACER_ERROR;
	} else if (st == TRACE_BAD) {
		err_msg("%s", l.error);
		fprintf(stderr, "  hint: %s holds the %" PRIu64 " writes before that point\n", dir, writes);
		code = EXIT_TRACER_ERROR;
	}
	trace_load_close(&l);
	return code;
}
