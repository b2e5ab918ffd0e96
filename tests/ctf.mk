# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of ctf (included from Makefile.am).
# "uffdtrace convert --ctf": a bundled target's trace, converted and read
# back with babeltrace2 (skipped where it is not installed).

check_PROGRAMS += tests/ctf-target

tests_ctf_target_SOURCES = tests/ctf-target.c tests/tgt.h
tests_ctf_target_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_ctf_target_CFLAGS = $(TGT_CC_FLAGS)
tests_ctf_target_LDFLAGS = $(TGT_LD_FLAGS)

TESTS += \
	tests/ctf-convert.test \
	tests/ctf-errors.test

EXTRA_DIST += tests/ctf-convert.test tests/ctf-errors.test
