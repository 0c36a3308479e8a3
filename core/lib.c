/* Minimal libc for the hypervisor (see core/lib.h). memcpy and memset are
 * on the exit path (kvm_run, kvm_regs copies), so they move 8 bytes at a
 * time; x86 allows the unaligned accesses. No SSE: the hypervisor is built
 * with general registers only. */
#include "core/lib.h"

typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;

typedef uint32_t __attribute__((may_alias, aligned(1))) unaligned_u32;

/* Short copies (instruction bytes, MMIO data, 4-byte PTEs) are the common
 * case on the exit path: the tail is one overlapping word, not a byte loop. */
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n >= 8) {
		for (; n > 8; n -= 8, d += 8, s += 8)
			*(unaligned_u64 *)d = *(const unaligned_u64 *)s;
		*(unaligned_u64 *)(d + n - 8) = *(const unaligned_u64 *)(s + n - 8);
		return dst;
	}
	if (n >= 4) {
		*(unaligned_u32 *)d = *(const unaligned_u32 *)s;
		*(unaligned_u32 *)(d + n - 4) = *(const unaligned_u32 *)(s + n - 4);
		return dst;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t pattern = 0x0101010101010101ULL * (unsigned char)c;

	if (n >= 8) {
		for (; n > 8; n -= 8, d += 8)
			*(unaligned_u64 *)d = pattern;
		*(unaligned_u64 *)(d + n - 8) = pattern;
		return dst;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}
