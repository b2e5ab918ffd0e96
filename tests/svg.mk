# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of svg (included from Makefile.am): "report --svg" draws what the
# trace holds.

check_PROGRAMS += tests/svg-target

tests_svg_target_SOURCES = tests/svg-target.c tests/tgt.h
tests_svg_target_CPPFLAGS = $(TGT_CPP_FLAGS)
tests_svg_target_CFLAGS = $(TGT_CC_FLAGS)
tests_svg_target_LDFLAGS = $(TGT_LD_FLAGS)

TESTS += tests/svg-picture.test

EXTRA_DIST += tests/svg-check.py
