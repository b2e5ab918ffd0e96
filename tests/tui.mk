# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of the ncurses live view (included from Makefile.am): driven in a
# detached tmux session over "uffdtrace replay"; skipped without tmux.

check_PROGRAMS += tests/tui-target tests/tui-live-target

tests_tui_target_SOURCES = tests/tui-target.c tests/tgt.h
tests_tui_target_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_tui_target_CFLAGS = $(TGT_CC_FLAGS) -O0 -g
tests_tui_target_LDFLAGS = $(TGT_LD_FLAGS)

tests_tui_live_target_SOURCES = tests/tui-live-target.c tests/tgt.h
tests_tui_live_target_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_tui_live_target_CFLAGS = $(TGT_CC_FLAGS) -O0 -g
tests_tui_live_target_LDFLAGS = $(TGT_LD_FLAGS)

TESTS += \
	tests/tui-live.test \
	tests/tui-header.test \
	tests/tui-keys.test \
	tests/tui-quit.test \
	tests/tui-report.test

EXTRA_DIST += tests/tui-lib.sh
