# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the dirty-page profiler (included from Makefile.am): epochs
# (--interval), async mode (--mode=async, "uffdtrace dirty") and the dirty
# rate, against targets that know what they wrote and when.

DIRTY_TARGETS = tests/dirty-phases tests/dirty-steady tests/dirty-thp
check_PROGRAMS += $(DIRTY_TARGETS)

tests_dirty_phases_SOURCES = tests/dirty-phases.c tests/tgt.h
tests_dirty_phases_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_dirty_phases_CFLAGS = $(TGT_CC_FLAGS)
tests_dirty_phases_LDFLAGS = $(TGT_LD_FLAGS)

tests_dirty_steady_SOURCES = tests/dirty-steady.c tests/tgt.h
tests_dirty_steady_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_dirty_steady_CFLAGS = $(TGT_CC_FLAGS)
tests_dirty_steady_LDFLAGS = $(TGT_LD_FLAGS)

tests_dirty_thp_SOURCES = tests/dirty-thp.c tests/tgt.h
tests_dirty_thp_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_dirty_thp_CFLAGS = $(TGT_CC_FLAGS)
tests_dirty_thp_LDFLAGS = $(TGT_LD_FLAGS)

TESTS += \
	tests/dirty-phases.test \
	tests/dirty-rate.test \
	tests/dirty-attach.test \
	tests/dirty-report-csv.test \
	tests/dirty-thp.test

EXTRA_DIST += tests/dirty-epochs.py
