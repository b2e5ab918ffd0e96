# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of trace (included from Makefile.am).
