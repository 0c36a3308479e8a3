/*
 * vCPU commands: `regs` (print), `set` (one register or field), `mode`
 * (segment and paging state for a flat guest)
 * (docs/control-partition.md, "Running guests"). Control partition only.
 */
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static int get_state(struct vm *vm, struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	int r = kvm_get_regs(vm->vcpu_fd, regs);

	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_GET_REGS", -r);
		return -1;
	}
	r = kvm_get_sregs(vm->vcpu_fd, sregs);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_GET_SREGS", -r);
		return -1;
	}
	return 0;
}

static int put_state(struct vm *vm, const struct kvm_regs *regs,
		     const struct kvm_sregs *sregs)
{
	int r;

	if (sregs) {
		r = kvm_set_sregs(vm->vcpu_fd, sregs);
		if (r < 0) {
			vmm_print_request_error(&vmm_ctl_host, "KVM_SET_SREGS", -r);
			return -1;
		}
	}
	if (regs) {
		r = kvm_set_regs(vm->vcpu_fd, regs);
		if (r < 0) {
			vmm_print_request_error(&vmm_ctl_host, "KVM_SET_REGS", -r);
			return -1;
		}
	}
	/* New state: an instruction left half-completed by the last run is
	 * no longer the one at RIP, and the last return's if_flag and ready
	 * flag no longer describe the vCPU (the next return will). */
	vm->resume_emulated = vm->resume_mmio = false;
	vm->run.if_flag = 0;
	vm->run.ready_for_interrupt_injection = 0;
	return 0;
}

/* The tables `mode` writes must not land on the loaded image. */
static int check_tables(struct vm *vm, enum cpu_mode mode)
{
	uint64_t start = CPU_MODE_GDT_GPA;
	uint64_t end = mode == CPU_MODE_LONG64 ? CPU_MODE_TABLES_END : CPU_MODE_PML4_GPA;

	if (mode == CPU_MODE_REAL || !vm->loaded)
		return 0;
	if (vm->load_start < end && start < vm->load_end) {
		printf("error: the image at 0x%llx-0x%llx overlaps the %s tables at 0x%llx-0x%llx; load it elsewhere\n",
		       (unsigned long long)vm->load_start,
		       (unsigned long long)vm->load_end - 1, cpu_mode_name(mode),
		       (unsigned long long)start, (unsigned long long)end - 1);
		return -1;
	}
	return 0;
}

bool ctl_ram_mapped(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (range_inside(gpa, len, vm->ram_mapped) || !range_inside(gpa, len, vm->ram_bytes))
		return true;    /* mapped, or not RAM at all: the caller says so */
	printf("error: vm %d: guest RAM 0x%llx-0x%llx is not mapped in the control "
	       "partition (only the first 0x%llx bytes are: a slot was deleted or "
	       "moved with 'slot'); recreate it, e.g. 'slot %d 0 0 0x%llx'\n",
	       vm->index, (unsigned long long)gpa, (unsigned long long)(gpa + len - 1),
	       (unsigned long long)vm->ram_mapped, vm->index,
	       (unsigned long long)vm->ram_bytes);
	return false;
}

int ctl_clear_events(struct vm *vm)
{
	int r = kvm_clear_vcpu_events(vm->vcpu_fd);

	if (r < 0)
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_VCPU_EVENTS", -r);
	return r < 0 ? -1 : 0;
}

int ctl_vcpu_mode(struct vm *vm, enum cpu_mode mode, uint64_t entry)
{
	struct guest_ram ram = vm_guest_ram(vm);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct load_error err;

	if (mode != CPU_MODE_REAL && !ctl_ram_mapped(vm, 0, CPU_MODE_TABLES_END))
		return -1;              /* the GDT and page tables go there */
	if (check_tables(vm, mode) < 0 || get_state(vm, &regs, &sregs) < 0)
		return -1;
	if (cpu_mode_setup(mode, &ram, entry, &regs, &sregs, &err) < 0) {
		printf("error: %s\n", err.msg);
		return -1;
	}
	if (put_state(vm, &regs, &sregs) < 0 || ctl_clear_events(vm) < 0)
		return -1;
	vm->entry = entry;
	printf("vm %d: %s mode, entry 0x%llx, stack 0x%llx\n", vm->index,
	       cpu_mode_name(mode), (unsigned long long)entry,
	       (unsigned long long)regs.rsp);
	return 0;
}

static int cmd_regs(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);

	(void)argc;
	return vm && vmm_dump_vcpu(vm) == 0 ? 0 : 1;
}

static int cmd_set(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	struct vmm_reg_desc d;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t value;

	(void)argc;
	if (!vm)
		return 1;
	if (vmm_find_reg(argv[2], &d) < 0) {
		printf("error: unknown register '%s' (rax..r15, rip, rflags, cr0, cr2, cr3, cr4, cr8, efer, apic_base, cs..ss/tr/ldt[.field], gdt.base, ...)\n",
		       argv[2]);
		return 1;
	}
	if (vmm_parse_u64(argv[3], &value) < 0) {
		printf("error: '%s' is not a number\n", argv[3]);
		return 1;
	}
	if (get_state(vm, &regs, &sregs) < 0)
		return 1;
	if (vmm_reg_store(&d, &regs, &sregs, value) < 0) {
		printf("error: 0x%llx does not fit in %s (%u bits)\n",
		       (unsigned long long)value, argv[2], d.bits);
		return 1;
	}
	if (d.kind == VMM_REG_GPR ? put_state(vm, &regs, NULL) < 0 :
				    put_state(vm, NULL, &sregs) < 0)
		return 1;
	printf("vm %d: %s = 0x%llx\n", vm->index, argv[2], (unsigned long long)value);
	return 0;
}

static int cmd_mode(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	enum cpu_mode mode;
	uint64_t entry;

	if (!vm)
		return 1;
	if (cpu_mode_parse(argv[2], &mode) < 0) {
		printf("error: mode '%s' is not real, prot32 or long64\n", argv[2]);
		return 1;
	}
	if (argc > 3) {
		if (vmm_parse_u64(argv[3], &entry) < 0) {
			printf("error: '%s' is not an address\n", argv[3]);
			return 1;
		}
	} else if (vm->loaded) {
		entry = vm->entry;
	} else {
		printf("error: nothing loaded in vm %d: give the entry address\n", vm->index);
		return 1;
	}
	return ctl_vcpu_mode(vm, mode, entry) < 0;
}

const struct cli_command ctl_vcpu_commands[] = {
	{ "regs", "regs N", "show VM N's registers",
	  1, 1, cmd_regs },
	{ "set", "set N REG VALUE", "set a register (rax, rip, cr0, efer, cs.base, ...)",
	  3, 3, cmd_set },
	{ "mode", "mode N real|prot32|long64 [entry]",
	  "set up VM N's vCPU for a flat image (entry: where it was loaded)",
	  2, 3, cmd_mode },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
