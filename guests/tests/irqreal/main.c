/*
 * irqreal.bin: interrupts in real mode, through the IVT (docs/test-guests.md,
 * "irqreal.bin"). C built with gcc -m16, entered like real.bin at
 * 1000:0000. The PICs are programmed as a PC BIOS does (vectors 0x08 and
 * 0x70), the PIT's counter 0 in rate generator mode; the guest waits with
 * STI; HLT for five timer interrupts (vector 0x08, delivered by the CPU
 * through the IVT, IF clear in the handler), stopping the PIT at the
 * fifth. Then it halts with IF = 1; the system test queues vector 0x60
 * with `irq` and runs it again.
 */
#include "guest.h"

const char guest_name[] = "irqreal";
uint16_t entry_flags;                   /* recorded by entry.S */

int main(void);
void ivt_install(void);                 /* entry.S */
void irqreal_handler(uint32_t vector);

#define TIMER_VECTOR    0x08
#define SLAVE_BASE      0x70
#define VMM_VECTOR      0x60
#define TICKS           5
#define TICK_COUNT      1193

static volatile unsigned int ticks, vmm_vectors, other_vectors;
static volatile uint32_t last_other;
static volatile bool if_in_handler;

void irqreal_handler(uint32_t vector)
{
	unsigned long flags;

	__asm__ volatile("pushfl; popl %0" : "=r"(flags));
	if (flags & X86_EFLAGS_IF)
		if_in_handler = true;
	if (vector == TIMER_VECTOR) {
		if (++ticks == TICKS)
			outb(PIT_CMD, 0x30);    /* mode 0, no count: stopped */
		outb(PIC1_CMD, PIC_EOI);
	} else if (vector == VMM_VECTOR) {
		vmm_vectors++;
	} else {
		other_vectors++;
		last_other = vector;
	}
}

int main(void)
{
	con_init();
	say("hello from real mode, interrupts through the IVT");
	check(!(entry_flags & X86_EFLAGS_IF), "entry: flags.if = 0");
	ivt_install();

	outb(PIC1_CMD, 0x11);
	outb(PIC1_DATA, TIMER_VECTOR);
	outb(PIC1_DATA, 0x04);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_CMD, 0x11);
	outb(PIC2_DATA, SLAVE_BASE);
	outb(PIC2_DATA, 0x02);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xfe);
	outb(PIC2_DATA, 0xff);
	check(inb(PIC1_DATA) == 0xfe, "pic: initialised as a BIOS does (vectors 0x08, 0x70)");

	outb(PIT_CMD, 0x34);
	outb(PIT_CH0, (uint8_t)TICK_COUNT);
	outb(PIT_CH0, (uint8_t)(TICK_COUNT >> 8));
	for (;;) {
		cli();
		if (ticks >= TICKS)
			break;
		__asm__ volatile("sti; hlt; nop" ::: "memory");
	}
	check(ticks == TICKS && !other_vectors, "%d timer interrupts through IVT entry 0x08", TICKS);
	check(!if_in_handler, "flags.if = 0 inside the handler (cleared by the delivery)");

	outb(PIC1_DATA, 0xff);
	say("halting with IF = 1 for vector 0x%x from the VMM (irq command)", VMM_VECTOR);
	for (;;) {
		cli();
		if (vmm_vectors)
			break;
		__asm__ volatile("sti; hlt; nop" ::: "memory");
	}
	check(vmm_vectors == 1 && !other_vectors, "vector 0x%x from the VMM through IVT entry 0x%x",
	      VMM_VECTOR, VMM_VECTOR);
	if (other_vectors)
		say("  unexpected vector 0x%x", (unsigned int)last_other);
	return (int)finish();
}
