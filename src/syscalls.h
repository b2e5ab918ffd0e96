/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of x86-64 system calls. */
#ifndef UFFDTRACE_SYSCALLS_H
#define UFFDTRACE_SYSCALLS_H

/* NULL for a number the table does not know. */
const char *syscall_name(int nr);

#endif
