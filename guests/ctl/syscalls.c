/*
 * The system calls newlib needs (docs/control-partition.md, "Runtime").
 *
 * newlib's x86_64-elf target defines MISSING_SYSCALL_NAMES, so its
 * reentrant wrappers (_write_r, _sbrk_r, ...) call these plain names, and
 * newlib is built with --disable-newlib-supplied-syscalls, so we provide
 * them all. There are no files and no processes: fds 0, 1 and 2 are the
 * UART, everything else fails with errno set, as a POSIX call would.
 * Runs in the control partition only; no interrupts, so no locking.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

#include "guests/ctl/ctl.h"

/* newlib's reentrant wrappers clear this global (defined in its reent.c),
 * call us, and copy it into the caller's struct _reent on failure: a
 * syscall reports its error here, not through the errno macro. */
#undef errno
extern int errno;

static int is_console(int fd)
{
	return fd >= 0 && fd <= 2;
}

/* ---- the heap ------------------------------------------------------------- */

static struct ctl_heap_stats heap;

void ctl_heap_init(uint64_t start_gpa, uint64_t end_gpa)
{
	heap.start = start_gpa;
	heap.brk = start_gpa;
	heap.end = end_gpa;
	heap.failed_sbrks = 0;
}

void ctl_heap_get_stats(struct ctl_heap_stats *out)
{
	*out = heap;
}

/* Grows (or shrinks) [free_start, brk) inside [free_start, free_end) of the
 * boot info; -1 with ENOMEM past either end. */
void *sbrk(ptrdiff_t incr)
{
	uint64_t old = heap.brk;

	if (incr > 0 ? (uint64_t)incr > heap.end - old
		     : (uint64_t)-incr > old - heap.start) {
		heap.failed_sbrks++;
		errno = ENOMEM;
		return (void *)-1;
	}
	heap.brk = old + (uint64_t)incr;
	return (void *)(uintptr_t)old;
}

/* ---- console IO ----------------------------------------------------------- */

int write(int fd, const void *buf, size_t len)
{
	if (!is_console(fd)) {
		errno = EBADF;
		return -1;
	}
	uart_write(buf, len);
	return (int)len;
}

/* Blocks for the first byte, then returns what has arrived. */
int read(int fd, void *buf, size_t len)
{
	if (!is_console(fd)) {
		errno = EBADF;
		return -1;
	}
	return (int)uart_read(buf, len);
}

int isatty(int fd)
{
	if (!is_console(fd)) {
		errno = EBADF;
		return 0;
	}
	return 1;
}

int fstat(int fd, struct stat *st)
{
	if (!is_console(fd)) {
		errno = EBADF;
		return -1;
	}
	*st = (struct stat){ .st_mode = S_IFCHR | 0620, .st_blksize = 0 };
	return 0;
}

off_t lseek(int fd, off_t offset, int whence)
{
	(void)offset;
	(void)whence;
	errno = is_console(fd) ? ESPIPE : EBADF;
	return -1;
}

int close(int fd)
{
	if (!is_console(fd)) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = ENOENT;         /* no file system */
	return -1;
}

/* ---- process -------------------------------------------------------------- */

void _exit(int status)
{
	ctl_shutdown(status);
}

int getpid(void)
{
	return 1;
}

/* abort() and raise() end up here: the only process is us. */
int kill(int pid, int sig)
{
	if (pid != 1) {
		errno = ESRCH;
		return -1;
	}
	fprintf(stderr, "ctl: terminated by signal %d\n", sig);
	ctl_shutdown(128 + sig);
}

/* ---- time: no clock source yet -------------------------------------------- */

int gettimeofday(struct timeval *tv, void *tz)
{
	(void)tv;
	(void)tz;
	errno = ENOSYS;
	return -1;
}

clock_t times(struct tms *buf)
{
	(void)buf;
	errno = ENOSYS;
	return (clock_t)-1;
}
