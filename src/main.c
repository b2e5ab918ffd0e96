/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line: options, their checks, and the subcommands. */
#include "log.h"
#include "commands.h"
#include "report.h"
#include "options.h"
#include "record.h"
#include "regions.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
"Usage: uffdtrace [record] [OPTIONS] -- PROGRAM [ARGS...]\n"
"       uffdtrace [record] [OPTIONS] -p PID\n"
"       uffdtrace report [OPTIONS] TRACE     tables, JSON, flame graphs\n"
"       uffdtrace replay [OPTIONS] TRACE     play a trace in the live view\n"
"       uffdtrace convert --ctf DIR TRACE    Common Trace Format for babeltrace2\n"
"       uffdtrace dirty [OPTIONS] -p PID | -- PROGRAM [ARGS...]\n"
"                                            dirty-page rate, near-zero overhead\n"
"Show which code writes to which memory, using userfaultfd write-protection.\n"
"\n"
"Target:\n"
"  -p, --pid PID          attach to a running process (Ctrl-C detaches)\n"
"  -f, --follow-forks     also trace child processes\n"
"\n"
"What to trace:\n"
"      --regions LIST     heap,anon,stack or all (default: heap,anon)\n"
"      --stacks           also trace thread stacks (same as adding stack)\n"
"      --range START-END  only addresses in this range (hex; repeatable)\n"
"  -d, --duration SECS    detach after SECS seconds\n"
"      --interval MS      protect every traced page again each MS milliseconds\n"
"                         (epochs: count the pages dirtied in each)\n"
"      --mode MODE        sync (default): every write faults to uffdtrace;\n"
"                         async: the kernel resolves faults, and the pages\n"
"                         written are collected each interval (default 1 s):\n"
"                         dirty-page rates at near-zero cost, no writers\n"
"      --csv              a CSV line per epoch on standard output\n"
"\n"
"What each write records:\n"
"      --capture MODE     pages: thread, address, user or kernel, writing function\n"
"                         insn: and the decoded store instruction\n"
"                         stack: and its backtrace with source lines (default)\n"
"      --depth N          frames per backtrace (default: 32)\n"
"      --by GROUP         group write sites by function or insn (default: function)\n"
"\n"
"Output:\n"
"  -o, --output FILE      write every event to trace FILE\n"
"      --json FILE        write the summary as JSON (- for standard output)\n"
"  -s, --summary          print the summary table on standard error\n"
"                         (the default without -o, --json and the live view)\n"
"      --tui, --no-tui    the live view: the default on a terminal when no\n"
"                         other output is asked for\n"
"      --top N            rows in the summary's top lists (default: 10)\n"
"  -q, --quiet            no progress messages\n"
"  -v, --verbose          explain what is traced and why\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status: that of PROGRAM (128+N if killed by signal N); 0 after -p;\n"
"1 on errors of uffdtrace itself.  See uffdtrace(1).\n");
}

static const char *help_command = "uffdtrace --help";

void usage_command(const char *help)
{
	help_command = help;
}

void usage_error(const char *fmt, const char *arg)
{
	fputs("uffdtrace: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n  hint: see '%s'\n", help_command);
	exit(EXIT_TRACER_ERROR);
}

static int parse_range(const char *s, struct addr_range *r)
{
	char *end;
	errno = 0;
	r->start = strtoull(s, &end, 16);
	if (errno || end == s || *end != '-')
		return -1;
	s = end + 1;
	r->end = strtoull(s, &end, 16);
	if (errno || end == s || *end || r->end <= r->start)
		return -1;
	return 0;
}

/* Refuse what cannot be traced, with the reason, before touching it. */
static void check_pid(pid_t pid)
{
	char path[64];
	if (pid == getpid() || pid == getppid())
		die_hint("trace another process", "cannot trace uffdtrace itself (pid %d)", (int)pid);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		die_hint("check the PID with ps or pgrep", "no process with pid %d", (int)pid);
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		die_hint("check the PID with ps or pgrep", "no process with pid %d", (int)pid);
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* Field 9 (flags) follows "(comm)", which may itself hold spaces. */
	char *p = strrchr(buf, ')');
	unsigned long flags = 0;
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) == 1 && (flags & 0x00200000))
		die_hint("kernel threads have no user memory to trace",
			 "pid %d is a kernel thread", (int)pid);
}

long parse_number(const char *s, const char *what, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage_error(what, s);
	return v;
}

void bad_option(int c, char **argv)
{
	/* With a leading ':' in the option string, getopt returns ':' for a
	 * missing argument and '?' for an unknown option; a long option is
	 * named by its argument, a short one by optopt. */
	const char *arg = argv[optind - 1];
	char buf[256];
	if (arg && strncmp(arg, "--", 2) == 0)
		snprintf(buf, sizeof buf, "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(buf, sizeof buf, "-%c", optopt > 0 && optopt < 128 ? optopt : '?');
	if (c == ':')
		usage_error("option '%s' needs an argument", buf);
	if (strchr(arg ? arg : "", '=') && strncmp(arg, "--", 2) == 0 && optopt)
		usage_error("option '%s' takes no argument", buf);
	usage_error("unknown option '%s'", buf);
}

int parse_report_by(const char *s, enum report_by *by)
{
	static const char *const names[] = { "function", "insn", "region", "thread", "page" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*by = (enum report_by)i;
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "convert") == 0)
		return cmd_convert(argc - 1, argv + 1);
	/* "record" is the default; "dirty" is record in async mode with a
	 * line per interval. */
	bool dirty = argc > 1 && strcmp(argv[1], "dirty") == 0;
	if (argc > 1 && (dirty || strcmp(argv[1], "record") == 0)) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	enum { OPT_REGIONS = 256, OPT_STACKS, OPT_RANGE, OPT_JSON, OPT_TOP, OPT_CAPTURE, OPT_DEPTH, OPT_BY,
	       OPT_TUI, OPT_NO_TUI, OPT_INTERVAL, OPT_MODE, OPT_CSV };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "follow-forks", no_argument, NULL, 'f' },
		{ "regions", required_argument, NULL, OPT_REGIONS },
		{ "stacks", no_argument, NULL, OPT_STACKS },
		{ "range", required_argument, NULL, OPT_RANGE },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "summary", no_argument, NULL, 's' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "capture", required_argument, NULL, OPT_CAPTURE },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "by", required_argument, NULL, OPT_BY },
		{ "tui", no_argument, NULL, OPT_TUI },
		{ "no-tui", no_argument, NULL, OPT_NO_TUI },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct options opt = { .region_mask = (1u << REGION_HEAP) | (1u << REGION_ANON), .top = 10,
			       .capture = CAPTURE_STACK, .depth = 32, .by = REPORT_BY_FUNCTION,
			       .tui = -1 };
	bool stacks = false, capture_given = false;
	int c;
	opterr = 0;
	/* "+": stop at the first non-option, which is the program;
	 * ":": report a missing argument as such. */
	while ((c = getopt_long(argc, argv, "+:p:fd:o:sqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (opt.pid)
				usage_error("%s", "-p given twice");
			opt.pid = (pid_t)parse_number(optarg, "invalid PID '%s'", 1, INT_MAX);
			break;
		case 'f':
			opt.follow_forks = true;
			break;
		case OPT_REGIONS:
			if (regions_parse_mask(optarg, &opt.region_mask) < 0)
				usage_error("invalid --regions '%s': use heap, anon, stack or all, comma-separated", optarg);
			break;
		case OPT_STACKS:
			stacks = true;
			break;
		case OPT_RANGE:
			opt.ranges = xrealloc(opt.ranges, (size_t)(opt.nranges + 1) * sizeof *opt.ranges);
			if (parse_range(optarg, &opt.ranges[opt.nranges++]) < 0)
				usage_error("invalid --range '%s': use START-END in hex, START below END", optarg);
			break;
		case 'd': {
			char *end;
			opt.duration = strtod(optarg, &end);
			if (end == optarg || *end || !(opt.duration > 0))
				usage_error("invalid --duration '%s': give seconds, such as 5 or 0.5", optarg);
			break;
		}
		case 'o':
			opt.output = optarg;
			break;
		case OPT_JSON:
			opt.json = optarg;
			break;
		case 's':
			opt.summary = opt.summary_given = true;
			break;
		case OPT_TUI:
			opt.tui = 1;
			break;
		case OPT_NO_TUI:
			opt.tui = 0;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "sync") && strcmp(optarg, "async"))
				usage_error("invalid --mode '%s': use sync or async", optarg);
			opt.async = strcmp(optarg, "async") == 0;
			break;
		case OPT_CSV:
			opt.csv = opt.epoch_lines = true;
			break;
		case OPT_INTERVAL:
			opt.interval_ms = (unsigned)parse_number(optarg, "invalid --interval '%s': give milliseconds "
								    "from 1 to 3600000", 1, 3600000);
			break;
		case OPT_TOP:
			opt.top = (int)parse_number(optarg, "invalid --top '%s': give a number from 1 to 10000", 1, 10000);
			break;
		case OPT_CAPTURE:
			capture_given = true;
			if (strcmp(optarg, "pages") == 0)
				opt.capture = CAPTURE_PAGES;
			else if (strcmp(optarg, "insn") == 0)
				opt.capture = CAPTURE_INSN;
			else if (strcmp(optarg, "stack") == 0)
				opt.capture = CAPTURE_STACK;
			else
				usage_error("invalid --capture '%s': use pages, insn or stack", optarg);
			break;
		case OPT_DEPTH:
			opt.depth = (int)parse_number(optarg, "invalid --depth '%s': give a number from 1 to 256", 1, 256);
			break;
		case OPT_BY:
			if (strcmp(optarg, "function") == 0)
				opt.by = REPORT_BY_FUNCTION;
			else if (strcmp(optarg, "insn") == 0)
				opt.by = REPORT_BY_INSN;
			else
				usage_error("invalid --by '%s': use function or insn", optarg);
			break;
		case 'q':
			log_verbose = -1;
			break;
		case 'v':
			log_verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s\n", PACKAGE_STRING);
			return 0;
		default:
			bad_option(c, argv);
		}
	}
	if (stacks)
		opt.region_mask |= 1u << REGION_STACK;
	if (dirty)
		opt.async = opt.epoch_lines = true;
	if (opt.async) {
		/* No fault reaches us: there is nothing to capture but pages. */
		if (capture_given && opt.capture != CAPTURE_PAGES)
			warn_msg("async mode records no writer: --capture is ignored");
		opt.capture = CAPTURE_PAGES;
		if (!opt.interval_ms)
			opt.interval_ms = 1000;
	}
	if (optind < argc)
		opt.argv = &argv[optind];
	if (opt.pid && opt.argv)
		usage_error("%s", "give either -p PID or a PROGRAM, not both");
	if (!opt.pid && !opt.argv)
		usage_error("%s", "nothing to trace: give -p PID or -- PROGRAM [ARGS]");
	/* The live view by default on a terminal, unless output is asked for. */
	if (opt.epoch_lines && opt.tui == 1)
		usage_error("%s", "--tui and a line per epoch (--csv, or the dirty command) "
			    "both want the terminal: choose one");
	if (opt.tui < 0)
		opt.tui = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) && !opt.output && !opt.json &&
			  !opt.summary_given && !opt.epoch_lines;
	if (opt.tui && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
		usage_error("%s", "--tui needs a terminal on standard input and output");
	if (!opt.tui && !opt.output && !opt.json)
		opt.summary = true;

	if (opt.pid)
		check_pid(opt.pid);
	if (geteuid() != 0 && access("/dev/userfaultfd", R_OK | W_OK) != 0)
		warn_msg("not running as root: tracing will likely be refused");
	int code = record_run(&opt);
	free(opt.ranges);
	return code;
}
