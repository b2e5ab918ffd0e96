# SPDX-License-Identifier: GPL-2.0-or-later
# Library checks for uffdtrace.  Each failure names the Debian package to install.

# UT_PKG(VAR, MODULE, DEBIAN-PACKAGE, WHAT)
AC_DEFUN([UT_PKG], [
	PKG_CHECK_MODULES([$1], [$2], [],
		[AC_MSG_ERROR([$4 was not found (pkg-config module '$2').
  On Debian or Ubuntu install it with:  apt-get install $3])])
])

AC_DEFUN([UT_CHECK_LIBELF], [UT_PKG([LIBELF], [libelf], [libelf-dev], [libelf (ELF symbol tables)])])
AC_DEFUN([UT_CHECK_LIBDW], [UT_PKG([LIBDW], [libdw], [libdw-dev], [libdw (DWARF line information)])])
AC_DEFUN([UT_CHECK_LIBUNWIND_PTRACE], [
	UT_PKG([LIBUNWIND], [libunwind-ptrace libunwind-generic], [libunwind-dev],
		[libunwind with its ptrace interface (remote backtraces)])
	ut_save_CFLAGS=$CFLAGS; ut_save_LIBS=$LIBS
	CFLAGS="$CFLAGS $LIBUNWIND_CFLAGS"; LIBS="$LIBUNWIND_LIBS $LIBS"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <libunwind-ptrace.h>]],
			[[void *p = _UPT_create(1); _UPT_destroy(p);]])], [],
		[AC_MSG_ERROR([libunwind-ptrace does not link.
  On Debian or Ubuntu install it with:  apt-get install libunwind-dev])])
	CFLAGS=$ut_save_CFLAGS; LIBS=$ut_save_LIBS
])
AC_DEFUN([UT_CHECK_CAPSTONE], [UT_PKG([CAPSTONE], [capstone >= 4.0], [libcapstone-dev], [capstone (instruction decoding)])])
AC_DEFUN([UT_CHECK_NCURSESW], [UT_PKG([NCURSESW], [ncursesw], [libncurses-dev], [ncursesw (live view)])])

# What the build machine's kernel headers already define; the rest comes
# from include/uffdtrace/compat.h.
AC_DEFUN([UT_CHECK_KERNEL_HEADERS], [
	AC_CHECK_HEADERS([linux/userfaultfd.h linux/perf_event.h], [],
		[AC_MSG_ERROR([kernel headers are missing.
  On Debian or Ubuntu install them with:  apt-get install linux-libc-dev])])
	AC_CHECK_DECLS([UFFD_FEATURE_WP_UNPOPULATED, UFFD_FEATURE_WP_ASYNC, PAGEMAP_SCAN],
		[], [], [[#include <linux/userfaultfd.h>
#include <linux/fs.h>]])
	AC_CHECK_TYPES([struct pm_scan_arg], [], [], [[#include <linux/fs.h>]])
])
