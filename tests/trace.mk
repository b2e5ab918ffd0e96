# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of trace (included from Makefile.am): "uffdtrace report" on files
# that are no trace, traces of a newer version, cut short, damaged, with
# forged lengths, and the inputs the fuzzer (tests/fuzz/README) found.

check_PROGRAMS += tests/trace-target
tests_trace_target_SOURCES = tests/trace-target.c tests/tgt.h
tests_trace_target_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_trace_target_CFLAGS = $(TGT_CC_FLAGS) -pthread
tests_trace_target_LDFLAGS = $(TGT_LD_FLAGS) -pthread

TESTS += \
	tests/trace-not-a-trace.test \
	tests/trace-truncated.test \
	tests/trace-corrupt.test \
	tests/trace-huge.test \
	tests/trace-regress.test

# The fuzz target and its inputs travel with the sources, though only the
# regression inputs are used by "make check" (the fuzzer needs clang).
EXTRA_DIST += tests/trace-mutate.py \
	tests/fuzz/README tests/fuzz/fuzz-trace.c tests/fuzz/trace.dict \
	tests/fuzz/corpus tests/fuzz/regress \
	bench/trace-scale.sh

# The trace scale benchmark: bench/trace-scale.sh (never part of "make
# check"); its generator writes synthetic traces with the real writer.
EXTRA_PROGRAMS += bench/trace-gen
bench_trace_gen_SOURCES = bench/trace-gen.c src/trace_writer.c src/trace_writer.h \
	src/log.c src/log.h
bench_trace_gen_CFLAGS = $(AM_CFLAGS) -O2
