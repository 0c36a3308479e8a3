/*
 * `irq N VECTOR`: KVM_INTERRUPT, a vector queued in the hypervisor the way
 * an interrupt controller outside the PIC model would deliver it
 * (docs/control-partition.md, "Interrupts and time"). The hypervisor
 * delivers it when the guest's IF allows, lowest vector first; the request
 * is sent as given, so 256 and above show the hypervisor's -EINVAL.
 * `nmi N`: KVM_NMI, one NMI for the vCPU.
 * Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static int cmd_irq(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	uint64_t vector;
	int r;

	(void)argc;
	if (!vm)
		return 1;
	if (vmm_parse_u64(argv[2], &vector) < 0 || vector > 0xffffffffULL) {
		printf("error: '%s' is not a vector\n", argv[2]);
		return 1;
	}
	r = kvm_interrupt(vm->vcpu_fd, (uint32_t)vector);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_INTERRUPT", -r);
		return 1;
	}
	printf("vm %d: vector 0x%02llx queued\n", vm->index, (unsigned long long)vector);
	return 0;
}

/* `nmi N`: KVM_NMI, as QEMU's monitor `nmi` sends one to the CPU (QEMU
 * through each local APIC's LINT1; here straight to the vCPU, like `irq`,
 * whatever the guest's LVT says). The hypervisor delivers it at the next
 * KVM_RUN once the guest does not block NMIs. */
static int cmd_nmi(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	int r;

	(void)argc;
	if (!vm)
		return 1;
	r = kvm_nmi(vm->vcpu_fd);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_NMI", -r);
		return 1;
	}
	printf("vm %d: NMI queued\n", vm->index);
	return 0;
}

static bool key_is(const char *arg, const char *eq, const char *name)
{
	return (size_t)(eq - arg) == strlen(name) && !strncmp(arg, name, strlen(name));
}

/* One KEY=VALUE of `events`: nmi=0|1, blocked=0|1, shadow=none|sti|movss. */
static int events_arg(const char *arg, struct kvm_vcpu_events *e)
{
	/* index = KVM_X86_SHADOW_INT_* value */
	static const char *const shadows[] = { "none", "movss", "sti" };
	const char *eq = strchr(arg, '=');
	bool bit = eq && (!strcmp(eq + 1, "0") || !strcmp(eq + 1, "1"));

	if (bit && key_is(arg, eq, "nmi")) {
		e->nmi.pending = eq[1] == '1';
		return 0;
	}
	if (bit && key_is(arg, eq, "blocked")) {
		e->nmi.masked = eq[1] == '1';
		return 0;
	}
	for (unsigned i = 0; eq && key_is(arg, eq, "shadow") && i < 3; i++)
		if (!strcmp(eq + 1, shadows[i])) {
			e->interrupt.shadow = (uint8_t)i;
			return 0;
		}
	printf("error: '%s': nmi=0|1, blocked=0|1 or shadow=none|sti|movss\n", arg);
	return -1;
}

/* KVM_GET_VCPU_EVENTS, changed as the arguments say, KVM_SET_VCPU_EVENTS;
 * prints what the vCPU then holds. */
static int cmd_events(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	struct kvm_vcpu_events e;
	char line[160];
	int r;

	if (!vm)
		return 1;
	r = kvm_get_vcpu_events(vm->vcpu_fd, &e);
	for (int i = 2; r >= 0 && i < argc; i++)
		if (events_arg(argv[i], &e) < 0)
			return 1;
	if (r >= 0 && argc > 2)
		r = kvm_set_vcpu_events(vm->vcpu_fd, &e);
	if (r >= 0)
		r = kvm_get_vcpu_events(vm->vcpu_fd, &e);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_VCPU_EVENTS", -r);
		return 1;
	}
	printf("vm %d: events: %s\n", vm->index,
	       vmm_describe_events(&e, line, sizeof(line)) ? line : "none");
	return 0;
}

const struct cli_command ctl_irq_commands[] = {
	{ "irq", "irq N VECTOR",
	  "queue interrupt VECTOR for VM N's vCPU (KVM_INTERRUPT)",
	  2, 2, cmd_irq },
	{ "nmi", "nmi N",
	  "send an NMI to VM N's vCPU (KVM_NMI), delivered at its next run",
	  1, 1, cmd_nmi },
	{ "events", "events N [nmi=0|1] [blocked=0|1] [shadow=none|sti|movss]",
	  "show VM N's vCPU events (KVM_GET_VCPU_EVENTS: the event being delivered, "
	  "a latched NMI, NMI blocking, an interrupt shadow); with arguments, change "
	  "them first (KVM_SET_VCPU_EVENTS)",
	  1, 4, cmd_events },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
