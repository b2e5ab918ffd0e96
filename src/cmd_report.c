/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "uffdtrace report": tables, JSON, folded stacks or SVG from a saved trace. */
#include "commands.h"
#include "log.h"
#include "report.h"
#include "svg.h"
#include "syscalls.h"
#include "trace_load.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
"Usage: uffdtrace report [OPTIONS] TRACE\n"
"Summarize a trace recorded with 'uffdtrace -o TRACE'.\n"
"\n"
"      --by GROUP       one table only: function, insn, region, thread or page\n"
"      --sort KEY       order by pages (default) or faults\n"
"      --top N          rows per table (default: 20)\n"
"      --json[=FILE]    the summary as JSON on standard output, or in FILE\n"
"                       (note the '=': a separate word is the trace)\n"
"      --folded         folded stacks for flame graph tools\n"
"      --weight KEY     weight folded stacks by pages (default) or faults\n"
"      --svg FILE       draw a flame graph and a dirty-page heat map\n"
"      --csv            the epochs as CSV, for a spreadsheet or gnuplot\n"
"  -h, --help           show this help and exit\n");
}

struct folded_line {
	char *stack;
	uint64_t weight;
};

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack, ((const struct folded_line *)b)->stack);
}

/* Folded stacks, outermost frame first, one line per backtrace: the format
 * flamegraph.pl, inferno and speedscope read.  Backtraces that differ only
 * in offsets or lines print the same: their weights are added. */
void report_folded(FILE *f, const struct model *m, bool by_faults)
{
	struct folded_line *v = xcalloc(m->ctx.nstacks + 1, sizeof *v);
	size_t n = 0;
	for (size_t id = 1; id < m->capstacks && id < m->ctx.nstacks; id++) {
		const struct stack_stat *s = &m->stacks[id];
		uint64_t weight = by_faults ? s->faults : s->pages;
		if (!weight)
			continue;
		uint32_t depth;
		const uint32_t *frames = context_stack_frames(&m->ctx, (uint32_t)id, &depth);
		char *line = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&line, &len);
		for (uint32_t k = depth; k-- > 0;) {
			char buf[256];
			fprintf(mem, "%s%s", k + 1 < depth ? ";" : "", report_frame_name(m, frames[k], buf, sizeof buf));
		}
		if (s->syscall >= 0) {
			const char *name = syscall_name(s->syscall);
			fprintf(mem, ";[kernel] %s", name ? name : "syscall");
		}
		fclose(mem);
		v[n++] = (struct folded_line){ line, weight };
	}
	qsort(v, n, sizeof *v, by_stack);
	for (size_t i = 0; i < n; i++) {
		uint64_t w = v[i].weight;
		while (i + 1 < n && strcmp(v[i].stack, v[i + 1].stack) == 0) {
			free(v[i].stack);
			w += v[++i].weight;
		}
		fprintf(f, "%s %" PRIu64 "\n", v[i].stack, w);
		free(v[i].stack);
	}
	free(v);
	/* Pages found dirty whose first touch named no writer. */
	if (!by_faults && m->untracked_pages > m->untracked_named)
		fprintf(f, "[written before tracking] %" PRIu64 "\n", m->untracked_pages - m->untracked_named);
}

int cmd_report(int argc, char **argv)
{
	enum { OPT_BY = 256, OPT_SORT, OPT_TOP, OPT_JSON, OPT_FOLDED, OPT_WEIGHT, OPT_SVG, OPT_CSV };
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, OPT_BY },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "json", optional_argument, NULL, OPT_JSON },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct report_opts ro = { .top = 20, .full = true };
	const char *json = NULL, *svg = NULL;
	bool folded = false, weight_faults = false, csv = false;
	int c;
	opterr = 0;
	optind = 1;
	usage_command("uffdtrace report --help");
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_BY:
			if (parse_report_by(optarg, &ro.by) < 0)
				usage_error("invalid --by '%s': use function, insn, region, thread or page", optarg);
			ro.only = true;
			break;
		case OPT_SORT:
			if (strcmp(optarg, "pages") && strcmp(optarg, "faults"))
				usage_error("invalid --sort '%s': use pages or faults", optarg);
			ro.sort_faults = strcmp(optarg, "faults") == 0;
			break;
		case OPT_TOP:
			ro.top = (int)parse_number(optarg, "invalid --top '%s': give a number from 1 to 100000", 1, 100000);
			break;
		case OPT_JSON:
			json = optarg ? optarg : "-";
			break;
		case OPT_FOLDED:
			folded = true;
			break;
		case OPT_WEIGHT:
			if (strcmp(optarg, "pages") && strcmp(optarg, "faults"))
				usage_error("invalid --weight '%s': use pages or faults", optarg);
			weight_faults = strcmp(optarg, "faults") == 0;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_CSV:
			csv = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad_option(c, argv);
		}
	}
	if (optind != argc - 1 && json && !strcmp(json, "-") && argc - optind == 2)
		usage_error("report: give one trace file; to write the JSON to a file, "
			    "say --json=%s", argv[optind]);
	if (optind != argc - 1)
		usage_error("%s", optind >= argc ? "report: give the trace file to read"
						 : "report: give one trace file");
	if ((json && !strcmp(json, "-")) + folded + csv > 1)
		usage_error("%s", "--json, --folded and --csv all write to standard output: choose one");

	struct trace_load l;
	trace_load_open(&l, argv[optind]);
	enum trace_status st = trace_load_all(&l);
	if (st == TRACE_BAD) {
		err_msg("%s", l.error);
		fputs("  hint: a trace file is written by 'uffdtrace -o FILE'; this one cannot be read\n", stderr);
		trace_load_close(&l);
		return EXIT_TRACER_ERROR;
	}
	int code = 0;
	if (st == TRACE_CUT_SHORT) {
		/* Report what there is, and say the rest is missing. */
		warn_msg("%s; the report covers the %" PRIu64 " events before that", l.error, l.events);
		code = EXIT_TRACER_ERROR;
	}
	if (folded) {
		report_folded(stdout, l.model, weight_faults);
	} else if (csv) {
		report_csv(stdout, l.model);
	} else if (json) {
		FILE *f = strcmp(json, "-") == 0 ? stdout : fopen(json, "we");
		if (!f) {
			err_msg("cannot write %s: %s", json, strerror(errno));
			code = EXIT_TRACER_ERROR;
		} else {
			report_json(f, l.model, &l.run, &ro);
			if (f != stdout && fclose(f) != 0)
				code = EXIT_TRACER_ERROR;
		}
	} else if (!svg) {
		report_text(stdout, l.model, &l.run, &ro);
	}
	if (svg && svg_write(svg, l.model, &l.run, weight_faults) < 0) {
		err_msg("cannot write %s: %s", svg, strerror(errno));
		code = EXIT_TRACER_ERROR;
	}
	if (fflush(stdout) != 0)
		code = EXIT_TRACER_ERROR;
	trace_load_close(&l);
	return code;
}
