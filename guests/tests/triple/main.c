/*
 * triple.bin: a triple fault on purpose (docs/test-guests.md,
 * "triple.bin"). A 32-bit protected-mode guest, entered like prot32.bin,
 * that prints where it will fault, loads an IDT with limit 0 and executes
 * UD2 at triple_fault: #UD cannot be delivered (#GP), nor can #GP (#DF),
 * nor #DF: shutdown (SDM Vol. 3A 6.15, interrupt 8), which the hypervisor
 * reports as KVM_EXIT_SHUTDOWN with the state left for inspection.
 */
#include "guest.h"

const char guest_name[] = "triple";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

int main(void)
{
	static const struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };
	extern const char triple_fault[];

	con_init();
	say("IDT limit 0, then ud2 at 0x%lx: #UD, #GP, #DF, shutdown",
	    (unsigned long)triple_fault);
	__asm__ volatile("lidt %0\n\t"
			 ".globl triple_fault\n"
			 "triple_fault:\n\t"
			 "ud2" : : "m"(empty_idt));
	say("still running after the triple fault");
	return 1;
}
