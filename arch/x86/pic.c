/*
 * The legacy 8259 PICs. The BIOS leaves IRQ 0-7 on vectors 8-15, which are
 * CPU exceptions in long mode: the first timer tick would look like a double
 * fault. We remap both PICs to vectors 0x30-0x3f and mask every line; a
 * spurious IRQ 7/15 still arriving there is counted and ignored.
 */
#include "arch/x86/pic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trap.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01

static uint64_t pic_spurious;

static void pic_irq(struct trap_frame *tf)
{
	(void)tf;
	pic_spurious++;
}

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);       /* ICW2: vector base */
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 4);                     /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);                  /* mask everything */
	outb(PIC2_DATA, 0xff);
	for (unsigned v = PIC_VECTOR_BASE; v < PIC_VECTOR_BASE + 16; v++)
		trap_set_handler(v, pic_irq);
}
