/*
 * The probes and verdicts of ptattack.bin and ptattack32.bin
 * (docs/test-guests.md): one load or store of a word (8 bytes in the
 * 64-bit guest, 4 in the 32-bit one) that catches the exception it raises,
 * and checks that print one line each. Built -m64 and -m32.
 */
#ifndef GUESTS_TESTS_PTATTACK_PROBE_H
#define GUESTS_TESTS_PTATTACK_PROBE_H

#include "guest.h"

#define KiB4      0x1000ull
#define VEC_GP    13
#define VEC_PF    14
#define NO_FAULT  0xffu
#define CR0_WP    (1ul << 16)
#define PF_P      0x01ul            /* #PF error code (SDM Vol. 3A 4.7) */
#define PF_W      0x02ul
#define PF_RSVD   0x08ul
#define RSVD_READ  (PF_P | PF_RSVD)
#define RSVD_WRITE (PF_P | PF_RSVD | PF_W)

/* The VM the system test creates: 17 MiB of RAM at GPA 0, so that RAM
 * ends in the middle of a 2 MiB (and a 4 MiB) page. */
#define RAM_END   0x1100000ull
#define HOLE_GPA  0xe0000000ull     /* unclaimed MMIO below 4 GiB */

/* RAM frames the guests fill with markers (below RAM_END, above .bss),
 * and spare frames for tables. */
#define FRAME_A   0x400000ull
#define FRAME_B   0x401000ull
#define FRAME_C   0x402000ull
#define FRAME_D   0x403000ull
#define TABLE_X   0x404000ull
#define TABLE_Y   0x405000ull
#define TABLE_Z   0x406000ull

/* What a marker page holds at guest-physical gpa (word aligned): a
 * constant XOR its own address, so a read from the wrong frame or offset
 * shows; bit 0 is clear, so a marker read as a table entry is not present. */
static inline unsigned long marker(uint64_t gpa)
{
#ifdef __x86_64__
	return 0x5054414b00000000ul ^ gpa;      /* "PTAK" */
#else
	return 0x50540000ul ^ (unsigned long)gpa;
#endif
}
void fill_markers(uint64_t frame);
void clear_frame(uint64_t frame);

/* Guest-physical memory below 1 GiB through the identity map. */
static inline volatile unsigned long *phys(uint64_t gpa)
{
	return (volatile unsigned long *)(uintptr_t)gpa;
}

static inline void invlpg(unsigned long va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void reload_cr3(void)
{
	write_cr3(read_cr3());
}

/* One word load or store at va: the vector it raised (NO_FAULT if none),
 * with the error code and, for #PF, CR2 in last_fault. */
struct fault {
	unsigned int vector;
	unsigned long error, cr2;
};
extern volatile struct fault last_fault;
unsigned int read_va(unsigned long va, unsigned long *value);
unsigned int write_va(unsigned long va, unsigned long value);
/* MOVS of one word from src to dst: with src on MMIO the hypervisor
 * emulates it, so dst goes through the emulator's page walk. */
unsigned int movs_va(unsigned long dst, unsigned long src);
/* CALL to code at va with rax (eax) = arg; a fault in that code resumes
 * after the call with the stack pointer the call found. */
unsigned int call_va(unsigned long va, unsigned long arg);
/* The handler for idt_install: a fault in a probe resumes after it, any
 * other exception ends the run with status 255. */
void probe_handler(struct isr_frame *f);

/* The accesses that reach the VMM's unclaimed MMIO, which the system test
 * compares with the VMM's `stats`. */
extern unsigned int unclaimed_reads, unclaimed_writes;

/*
 * The verdicts, one check each. A read that returns a value nobody gave
 * the guest prints "<guest>: LEAK ..." after the FAIL line.
 *  expect_value: the read at va must not fault and give want.
 *  expect_pf: the access must raise #PF with exactly error and CR2 = va.
 *  expect_unclaimed: the read must reach the VMM's unclaimed MMIO (0).
 *  expect_unclaimed_write: the write must be taken (and dropped).
 *  expect_movs_pf: MOVS from src to dst must raise #PF with exactly error
 *  and CR2 = dst.
 *  expect_alias: three words at alias equal tbl's first three.
 */
bool expect_value(const char *what, unsigned long va, unsigned long want);
bool expect_pf(const char *what, unsigned long va, bool write, unsigned long error);
bool expect_unclaimed(const char *what, unsigned long va);
bool expect_unclaimed_write(const char *what, unsigned long va);
bool expect_movs_pf(const char *what, unsigned long dst, unsigned long src,
		    unsigned long error);
bool expect_alias(const char *what, unsigned long alias, const volatile void *tbl);
/* "without INVLPG the read saw A (stale)|B (new)" after a live entry moved
 * from a to b: either is architectural (SDM Vol. 3A 4.10.4.3); anything
 * else fails. */
bool expect_either(const char *what, unsigned long va, unsigned long a, unsigned long b);

#endif
