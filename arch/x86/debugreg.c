/* Guest debug registers (see arch/x86/debugreg.h). */
#include "arch/x86/debugreg.h"
#include "arch/x86/trap.h"
#include "core/log.h"

#define DR7_GE (1ULL << 9)
#define RFLAGS_TF (1ULL << 8)

uint64_t debugreg_dr7(const struct vcpu_debug *d)
{
	uint64_t dr7 = DR7_FIXED;

	if (!d->enabled)
		return dr7;
	for (int i = 0; i < 4; i++)
		if (d->bp_enabled & (1u << i))
			dr7 |= 2ULL << (2 * i);
	if (dr7 != DR7_FIXED)
		dr7 |= DR7_GE;
	return dr7;
}

struct debugreg_guest *debugreg_owner;

static void write_dr03(const uint64_t *a)
{
	__asm__ volatile("mov %0, %%dr0" ::"r"(a[0]));
	__asm__ volatile("mov %0, %%dr1" ::"r"(a[1]));
	__asm__ volatile("mov %0, %%dr2" ::"r"(a[2]));
	__asm__ volatile("mov %0, %%dr3" ::"r"(a[3]));
}

static void read_dr03(uint64_t *a)
{
	__asm__ volatile("mov %%dr0, %0" : "=r"(a[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(a[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(a[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(a[3]));
}

void debugreg_guest_init(struct debugreg_guest *g, bool dr6_soft)
{
	*g = (struct debugreg_guest){ .dr6 = DR6_INIT, .dr6_soft = dr6_soft };
}

void debugreg_guest_forget(struct debugreg_guest *g)
{
	if (debugreg_owner == g)
		debugreg_owner = 0;
}

void debugreg_guest_go_live(struct debugreg_guest *g)
{
	g->live = true;
}

void debugreg_guest_set_dr6(struct debugreg_guest *g, uint64_t dr6)
{
	g->dr6 = dr6;
	if (debugreg_owner == g)
		__asm__ volatile("mov %0, %%dr6" ::"r"(dr6));
}

uint64_t debugreg_guest_dr6(const struct debugreg_guest *g)
{
	uint64_t dr6 = g->dr6;

	if (debugreg_owner == g)
		__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	return dr6;
}

/* The owner's values go back to its struct; the hardware has no owner. */
static void release_owner(void)
{
	struct debugreg_guest *o = debugreg_owner;

	if (!o)
		return;
	read_dr03(o->dr);
	if (o->dr6_soft)
		__asm__ volatile("mov %%dr6, %0" : "=r"(o->dr6));
	debugreg_owner = 0;
}

/* The slow half of debugreg_enter(): a different owner, or breakpoints. */
void debugreg_switch(struct debugreg_guest *g, const struct vcpu_debug *d,
		     bool breakpoints)
{
	release_owner();
	if (breakpoints) {
		write_dr03(d->bp_addr);
		return;
	}
	write_dr03(g->dr);
	if (g->dr6_soft)
		__asm__ volatile("mov %0, %%dr6" ::"r"(g->dr6));
	debugreg_owner = g;
}

bool debugreg_stray_host_step(const struct trap_frame *tf)
{
	static bool reported;
	uint64_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	if (!(dr6 & DR6_BS) || (dr6 & DR6_B0_B3) || (tf->rflags & RFLAGS_TF))
		return false;
	__asm__ volatile("mov %0, %%dr6" ::"r"(DR6_INIT));
	if (!reported)
		printk("hv: ignored a guest's single-step trap delivered to the "
		       "hypervisor at %#lx (DR6 %#lx): the guest gets its own when "
		       "the hypervisor finishes the instruction; further ones are "
		       "ignored silently\n", tf->rip, dr6);
	reported = true;
	return true;
}
