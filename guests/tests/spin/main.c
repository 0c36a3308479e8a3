/*
 * spin.bin: a guest that never exits (docs/test-guests.md, "spin.bin"). A
 * 32-bit protected-mode guest, entered like prot32.bin, that prints one
 * line and then spins at spin_loop with IF = 0. Only the hypervisor's
 * preemption tick gets the control partition back: KVM_RUN returns -EINTR
 * when the console has input, and Ctrl-] ends the run at spin_loop (keys
 * before it go to the guest's UART, which it never reads).
 */
#include "guest.h"

const char guest_name[] = "spin";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

int main(void)
{
	extern const char spin_loop[];

	con_init();
	say("spinning at 0x%lx with IF = 0; Ctrl-] stops the run",
	    (unsigned long)spin_loop);
	__asm__ volatile("cli\n\t"
			 ".globl spin_loop\n"
			 "spin_loop:\n\t"
			 "jmp spin_loop");
	return 0;
}
