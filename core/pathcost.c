/* Path-length accounting (see core/pathcost.h). */
#include "core/pathcost.h"
#include "core/lib.h"
#include "core/log.h"

struct pathcost pathcost[PATH_KINDS];

static const char *const names[PATH_KINDS] = {
	[PATH_CTL_HYPERCALL] = "control partition hypercall (exit to re-entry)",
	[PATH_CTL_OTHER] = "control partition other exits",
	[PATH_GUEST_IN_HV] = "guest exit handled in the hypervisor",
	[PATH_GUEST_TO_CTL] = "guest IO exit to control partition entry",
	[PATH_GUEST_TO_CTL_CPUID] = "guest CPUID exit to control partition entry",
	[PATH_GUEST_TO_CTL_MMIO] = "guest MMIO exit to control partition entry",
	[PATH_GUEST_TO_CTL_OTHER] = "other guest exit to control partition entry",
	[PATH_CTL_TO_GUEST] = "KVM_RUN exit to guest entry",
};

void pathcost_print(void)
{
	for (int k = 0; k < PATH_KINDS; k++) {
		const struct pathcost *p = &pathcost[k];
		printk("hv: %-48s %8lu x %6lu ticks\n", names[k], p->count,
		       p->count ? p->ticks / p->count : 0);
	}
}

void pathcost_reset(void)
{
	memset(pathcost, 0, sizeof(pathcost));
}
