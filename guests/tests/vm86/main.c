/*
 * vm86.bin (docs/test-guests.md, "vm86.bin"): virtual-8086 mode at IOPL 3,
 * its code on the VMM's MMIO test device, so that the hypervisor's
 * emulator runs each of its instructions (emul/vm86.c, exec_far.c, the
 * delivery of INT n from virtual-8086 mode). 32-bit protected mode with
 * paging: linear 0x8f000 is the device's first page, 0x8e000 the 8086
 * program's stack; the TSS has SS0:ESP0. The program:
 *
 *   0000  pushf                       FLAGS image 0x3002 (IOPL 3)
 *   0001  jmp far 8f00:0008           CS = 0x8f00 again, IP 8
 *   0008  int 0x30                    through the IDT (IOPL 3, no CR4.VME):
 *                                     a DPL-3 interrupt gate to vm86_exit
 *                                     (vm86.S), which returns to C
 *
 * CR4.VME is not used: QEMU 7.2's TCG does not offer it (CPUID.1 EDX[1]
 * clear), and the emulator's VME forms are unit-tested (test_vm86.c,
 * test_deliver.c).
 */
#include <stdint.h>

#include "guest.h"
#include "vm86.h"

const char guest_name[] = "vm86";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

#define SEL_CODE    0x08
#define SEL_DATA    0x10
#define SEL_TSS     0x18
#define TSS_AVAIL   0x89
#define PTE_P_RW_US 0x007u
#define PTE_PCD     0x010u
#define EFLAGS_RF   (1u << 16)
#define VEC_EXIT    0x30
#define INTR_GATE3  0xee        /* P, DPL 3, 32-bit interrupt gate */

struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
} __attribute__((packed));

struct gate {
	uint16_t offset_lo, selector;
	uint8_t zero, type;
	uint16_t offset_hi;
} __attribute__((packed));

struct table_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* the TSS and the I/O bitmap's closing byte (no port allowed) */
static struct {
	struct tss32 tss;
	uint8_t io_end;
} __attribute__((packed)) tss;

static uint64_t gdt[4] __attribute__((aligned(8)));
static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt[1024] __attribute__((aligned(4096)));
static uint8_t ring0_stack[4096] __attribute__((aligned(16)));

static const uint8_t program[] = {
	0x9c,                                   /* 0000 pushf */
	0xea, 0x08, 0x00, 0x00, 0x8f,           /* 0001 jmp far 8f00:0008 */
	0xf4, 0xf4,
	0xcd, 0x30,                             /* 0008 int 0x30 */
};

static uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t access,
			   uint8_t flags)
{
	return (limit & 0xffffull) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

/* The first 4 MiB 1:1 and user-accessible, but the device at 0x8f000. */
static void paging_init(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		pt[i] = (i << 12) | PTE_P_RW_US;
	pt[(V86_CS << 4) >> 12] = (uint32_t)MMIOTEST_GPA | PTE_P_RW_US | PTE_PCD;
	pd[0] = (uint32_t)pt | PTE_P_RW_US;
	__asm__ volatile("mov %0, %%cr3\n\t"
			 "mov %%cr0, %%eax\n\t"
			 "or $0x80000000, %%eax\n\t"
			 "mov %%eax, %%cr0"
			 : : "r"(pd) : "eax", "memory");
}

/* Any other exception ends the run with a message. */
static void unexpected(struct isr_frame *f)
{
	say("unexpected exception %u, error 0x%x at 0x%x", (unsigned)f->vector,
	    (unsigned)f->error, (unsigned)f->ip);
	guest_exit(99);
}

static void tables_init(void)
{
	struct table_pointer p = { sizeof(gdt) - 1, (uint32_t)gdt };

	tss.tss.ss0 = SEL_DATA;
	tss.tss.esp0 = (uint32_t)&ring0_stack[sizeof(ring0_stack)];
	tss.tss.iomap = sizeof(tss.tss);
	tss.io_end = 0xff;
	gdt[SEL_CODE >> 3] = descriptor(0, 0xfffff, 0x9b, 0xc);
	gdt[SEL_DATA >> 3] = descriptor(0, 0xfffff, 0x93, 0xc);
	gdt[SEL_TSS >> 3] = descriptor((uint32_t)&tss, sizeof(tss) - 1, TSS_AVAIL, 0);
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp %1, $1f\n"
			 "1:\tmov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "mov %2, %%fs\n\t"
			 "mov %2, %%gs\n\t"
			 "ltr %w3"
			 : : "m"(p), "i"(SEL_CODE), "r"(SEL_DATA), "r"(SEL_TSS)
			 : "memory");
	idt_install(unexpected);
}

/* The INT that ends the 8086 program goes to vm86_exit. */
static void int_to_vm86_exit(void)
{
	struct table_pointer idt;
	uint32_t exit = (uint32_t)vm86_exit;

	__asm__ volatile("sidt %0" : "=m"(idt));
	((struct gate *)idt.base)[VEC_EXIT] = (struct gate){
		.offset_lo = (uint16_t)exit, .selector = SEL_CODE,
		.type = INTR_GATE3, .offset_hi = (uint16_t)(exit >> 16) };
}

static uint16_t stack_word(uint32_t sp)
{
	return *(volatile uint16_t *)((V86_SS << 4) + sp);
}

int main(void)
{
	/* the device's storage, through its mapping at linear 0x8f000 */
	volatile uint32_t *dev = (volatile uint32_t *)(V86_CS << 4);
	const uint32_t frame[9] = { 0, V86_CS, EFLAGS_VM | EFLAGS_IOPL3 | 0x2, V86_SP,
				    V86_SS, 0x1111, 0x2222, 0x3333, 0x4444 };
	uint32_t words[(sizeof(program) + 3) / 4] = { 0 };

	con_init();
	say("hello from 32-bit protected mode: virtual-8086 mode, code on the "
	    "mmio test device");
	paging_init();
	tables_init();
	__builtin_memcpy(words, program, sizeof(program));
	for (unsigned i = 0; i < sizeof(words) / 4; i++)
		dev[i] = words[i];
	int_to_vm86_exit();
	vm86_run(frame);
	say("exit frame: %x:%x, eflags 0x%x, ss:sp %x:%x", (unsigned)vm86_seen[1],
	    (unsigned)vm86_seen[0], (unsigned)vm86_seen[2], (unsigned)vm86_seen[4],
	    (unsigned)vm86_seen[3]);
	check(stack_word(0xffe) == 0x3002, "pushf at IOPL 3: FLAGS image 0x3002");
	check(vm86_seen[0] == 0x0a && vm86_seen[1] == V86_CS &&
	      (vm86_seen[2] & ~EFLAGS_RF) == (EFLAGS_VM | EFLAGS_IOPL3 | 0x2) &&
	      vm86_seen[3] == 0xffe && vm86_seen[4] == V86_SS &&
	      vm86_seen[5] == 0x1111 && vm86_seen[6] == 0x2222 &&
	      vm86_seen[7] == 0x3333 && vm86_seen[8] == 0x4444,
	      "jmp far 8f00:0008, int 0x30 at IOPL 3 through the IDT: ring 0 gets "
	      "GS FS DS ES SS SP FLAGS(VM) CS and IP 0xa");
	vm86_fxsr_checks();
	return (int)finish();
}
