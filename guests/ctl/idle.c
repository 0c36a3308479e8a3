/*
 * Waiting without spinning (ctl.h). The partition's console is COM1,
 * passed through with no interrupt, so a wait for a key or for a halted
 * guest's next timer event used to read LSR in a loop: a core kept busy by
 * an idle prompt. HC_IDLE halts the CPU in the hypervisor instead, which
 * looks at LSR each time its timer wakes it (docs/hypercall-abi.md).
 */
#include "abi/hypercall.h"
#include "guests/ctl/ctl.h"

bool ctl_idle(uint64_t deadline)
{
	static bool refused;    /* no APIC timer: asking again cannot help */

	if (refused)
		return false;
	if (hypercall3(HC_IDLE, deadline, 0, 0) == 0)
		return true;
	refused = true;
	return false;
}
