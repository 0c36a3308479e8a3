/*
 * dirty.bin: the pages a guest writes, for KVM_GET_DIRTY_LOG
 * (docs/test-guests.md, "dirty.bin"). A 32-bit protected-mode guest with
 * paging off, entered like prot32.bin. The VMM turns dirty logging on for
 * slot 0 before the first run; the guest stops at three HLTs (IF = 0, so
 * each ends the run) and between them writes exactly the pages below with
 * nothing but registers, so no stack page joins the set:
 *
 *   HLT 1   setup done; the system test reads the log once to clear it
 *   pass 1  0x200 (mov), 0x201 (last byte), 0x203 and 0x204 (a word
 *           across the boundary), 0x210 (REP MOVSD from MMIO: written by
 *           the hypervisor's emulator), 0x300-0x30f (REP STOSD, 64 KiB),
 *           0x400 (MOVSB from page 0x500, which is only read), 0x7ff,
 *           0xfff (the last page of 16 MiB); reads of 0x600 and a write
 *           to MMIO dirty nothing
 *   HLT 2   the log must hold exactly pass 1's pages; read again, empty
 *   pass 2  0x200 again (the slot was re-armed), 0x202, 0x500, 0x900
 *   HLT 3   the log must hold exactly pass 2's pages
 *
 * After HLT 3 (the system test turns logging off) the guest checks that
 * every write landed and exits.
 */
#include "guest.h"

const char guest_name[] = "dirty";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

#define MMIO_DATA ((volatile uint32_t *)(MMIOTEST_GPA + MMIOTEST_DATA))

static void passes(void)
{
	__asm__ volatile(
		"hlt\n\t"                               /* HLT 1 */
		/* pass 1 */
		"movl $0x11111111, 0x200000\n\t"
		"movb $0x22, 0x201fff\n\t"
		"movw $0x3333, 0x203fff\n\t"
		"mov  $0xd0000000, %%esi\n\t"           /* MMIO -> RAM, emulated */
		"mov  $0x210000, %%edi\n\t"
		"mov  $4, %%ecx\n\t"
		"rep movsl\n\t"
		"mov  $0x300000, %%edi\n\t"
		"mov  $0x4000, %%ecx\n\t"
		"mov  $0x44444444, %%eax\n\t"
		"rep stosl\n\t"
		"mov  $0x500010, %%esi\n\t"
		"mov  $0x400010, %%edi\n\t"
		"movsb\n\t"
		"movl $0x55555555, 0x7ff800\n\t"
		"movl $0x66666666, 0xfffffc\n\t"
		"mov  0x600000, %%eax\n\t"              /* reads only */
		"mov  0x600ffc, %%eax\n\t"
		"movl $0x77777777, 0xd0000100\n\t"      /* MMIO write */
		"hlt\n\t"                               /* HLT 2 */
		/* pass 2 */
		"movl $0x88888888, 0x200004\n\t"
		"movl $0x99999999, 0x202000\n\t"
		"movl $0xaaaaaaaa, 0x500000\n\t"
		"movl $0xbbbbbbbb, 0x900000\n\t"
		"hlt\n\t"                               /* HLT 3 */
		: : : "eax", "ecx", "esi", "edi", "memory", "cc");
}

static uint32_t at(uint32_t gpa)
{
	return *(volatile uint32_t *)gpa;
}

int main(void)
{
	bool ok = true;

	con_init();
	say("hello from 32-bit protected mode; stopping at 3 HLTs for the dirty log");
	*(volatile uint8_t *)0x500010 = 0x5a;   /* what MOVSB will copy */
	for (unsigned int i = 0; i < 4; i++)
		MMIO_DATA[i] = 0xc0de0000 + i;
	passes();

	check(at(0x200000) == 0x11111111 && *(volatile uint8_t *)0x201fff == 0x22 &&
	      *(volatile uint16_t *)0x203fff == 0x3333,
	      "pass 1: mov of 4, 1 and 2 bytes (across a page boundary) landed");
	for (unsigned int i = 0; i < 4; i++)
		ok &= at(0x210000 + 4 * i) == 0xc0de0000 + i;
	check(ok, "pass 1: rep movsd from mmio wrote 16 bytes to 0x210000");
	ok = true;
	for (uint32_t a = 0x300000; a < 0x310000; a += 4)
		ok &= at(a) == 0x44444444;
	check(ok && at(0x310000) == 0, "pass 1: rep stosd filled 0x300000-0x30ffff");
	check(*(volatile uint8_t *)0x400010 == 0x5a && at(0x7ff800) == 0x55555555 &&
	      at(0xfffffc) == 0x66666666, "pass 1: movsb, and the last pages of 8 and 16 MiB");
	check(at(0x200004) == 0x88888888 && at(0x202000) == 0x99999999 &&
	      at(0x500000) == 0xaaaaaaaa && at(0x900000) == 0xbbbbbbbb,
	      "pass 2: four dword writes landed");
	return (int)finish();
}
