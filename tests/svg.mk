# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of svg (included from Makefile.am).
