# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of ctf (included from Makefile.am).
