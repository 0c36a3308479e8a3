/*
 * Error numbers as Linux defines them on x86 (asm-generic/errno-base.h,
 * errno.h). The hypercall ABI returns -errno with 2.6.21's choices, so the
 * hypervisor uses the same values internally.
 */
#ifndef ABI_ERRNO_H
#define ABI_ERRNO_H

#define EPERM        1
#define ENOENT       2
#define EINTR        4
#define EIO          5
#define ENXIO        6
#define E2BIG        7
#define EBADF        9
#define EAGAIN      11
#define ENOMEM      12
#define EACCES      13
#define EFAULT      14
#define EBUSY       16
#define EEXIST      17
#define ENODEV      19
#define EINVAL      22
#define EMFILE      24
#define ENOTTY      25
#define ENOSPC      28
#define ERANGE      34
#define ENOSYS      38
#define EOPNOTSUPP  95

#endif
