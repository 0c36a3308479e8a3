/*
 * An IDT for the test guests that take interrupts or exceptions (irq, msr):
 * 256 interrupt gates (SDM Vol. 3A 6.11 and 6.14.1), each pointing at a
 * stub in isr.S that saves the caller-saved registers, pushes the vector
 * and an error code (0 where the CPU pushes none) and calls one C handler.
 * Built -m32 and -m64.
 */
#include "guest.h"

#define GATE_INTR_PRESENT 0x8e          /* P, DPL 0, interrupt gate */

struct idt_gate {
	uint16_t offset_lo, selector;
#ifdef __x86_64__
	uint8_t ist, type;
	uint16_t offset_mid;
	uint32_t offset_hi, reserved;
#else
	uint8_t zero, type;
	uint16_t offset_hi;
#endif
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	unsigned long base;
} __attribute__((packed));

extern const unsigned long isr_stubs[256];      /* isr.S */
void isr_dispatch(struct isr_frame *f);

static struct idt_gate idt[256] __attribute__((aligned(16)));
static isr_fn *isr_handler;

void isr_dispatch(struct isr_frame *f)
{
	if (isr_handler)
		isr_handler(f);
}

void idt_install(isr_fn *handler)
{
	struct idt_pointer p = { sizeof(idt) - 1, (unsigned long)idt };
	uint16_t cs = read_cs();

	isr_handler = handler;
	for (unsigned int v = 0; v < 256; v++) {
		unsigned long a = isr_stubs[v];

		idt[v].offset_lo = (uint16_t)a;
		idt[v].selector = cs;
		idt[v].type = GATE_INTR_PRESENT;
#ifdef __x86_64__
		idt[v].ist = 0;
		idt[v].offset_mid = (uint16_t)(a >> 16);
		idt[v].offset_hi = (uint32_t)(a >> 32);
		idt[v].reserved = 0;
#else
		idt[v].zero = 0;
		idt[v].offset_hi = (uint16_t)(a >> 16);
#endif
	}
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}
