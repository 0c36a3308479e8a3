/*
 * VM objects of the control partition's VMM (vmm.h): the table behind the
 * CLI's VM numbers, creation the way libkvm's kvm_create did it (one RAM
 * slot at guest-physical 0, mapped into the partition, one vCPU) and the
 * devices every VM gets. Control partition and host tests (against the fake
 * hypervisor of tests/fake_kvm.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

static struct vm *vms[VMM_MAX_VMS];

struct vm *vm_get(int n)
{
	return n >= 0 && n < VMM_MAX_VMS ? vms[n] : NULL;
}

/* The guest's UART output goes to the console, prefixed (vmm_console.c). */
static void uart_to_console(void *ctx, const char *line, size_t len)
{
	vmm_console_output(ctx, line, len);
}

void vm_reset_devices(struct vm *vm)
{
	uart16550_init(&vm->uart, uart_to_console, vm);
	debugexit_init(&vm->debugexit, &vm->stop);
	port80_init(&vm->port80);
	vmm_clock_reset(vm);
	vmm_irq_init(vm);
	mmiotest_init(&vm->mmiotest);
}

static int attach_devices(struct vm *vm)
{
	static const struct {
		bool mmio;
		uint64_t base, len;
		const struct bus_device_ops *ops;
		size_t offset;          /* of the device in struct vm */
		const char *name;
	} devices[] = {
		{ false, UART_COM1_BASE, UART_NPORTS, &uart16550_bus_ops,
		  offsetof(struct vm, uart), "uart16550" },
		{ false, DEBUGEXIT_PORT, DEBUGEXIT_NPORTS, &debugexit_bus_ops,
		  offsetof(struct vm, debugexit), "debug-exit" },
		{ false, PORT80_PORT, 1, &port80_bus_ops,
		  offsetof(struct vm, port80), "port80" },
		{ false, PIC_MASTER_PORT, PIC_NPORTS, &pic8259_master_ops,
		  offsetof(struct vm, pic), "pic-master" },
		{ false, PIC_SLAVE_PORT, PIC_NPORTS, &pic8259_slave_ops,
		  offsetof(struct vm, pic), "pic-slave" },
		{ false, PIC_ELCR_PORT, PIC_NPORTS, &pic8259_elcr_ops,
		  offsetof(struct vm, pic), "pic-elcr" },
		{ false, PIT_PORT, PIT_NPORTS, &vmm_timed_pit_ops,
		  0 /* the VM */, "pit8254" },
		{ false, PIT_PORT61, 1, &vmm_timed_port61_ops,
		  0 /* the VM */, "port61" },
		{ true, MMIOTEST_GPA, MMIOTEST_BYTES, &mmiotest_bus_ops,
		  offsetof(struct vm, mmiotest), "mmiotest" },
		{ false, TESTDEV_PORT, TESTDEV_NPORTS, &testdev_port_ops,
		  offsetof(struct vm, testdev), "pc-testdev" },
		{ false, TESTDEV_IRQ_PORT, TESTDEV_IRQ_NPORTS, &testdev_irq_ops,
		  offsetof(struct vm, testdev), "pc-testdev-irq" },
		{ true, TESTDEV_IOMEM_GPA, TESTDEV_IOMEM_BYTES, &testdev_iomem_ops,
		  offsetof(struct vm, testdev), "pc-testdev-iomem" },
		{ false, RTC_PORT, RTC_NPORTS, &vmm_timed_rtc_ops,
		  0 /* the VM */, "rtc146818" },
		{ false, I8042_DATA_PORT, 1, &i8042_data_ops,
		  offsetof(struct vm, kbc), "i8042-data" },
		{ false, I8042_CMD_PORT, 1, &i8042_cmd_ops,
		  offsetof(struct vm, kbc), "i8042-cmd" },
		{ false, PCI_CFG_PORT, PCI_CFG_NPORTS, &pci_cfg_bus_ops,
		  offsetof(struct vm, pci), "pci-cfg" },
		{ false, ACPI_PM_BASE, ACPI_PM_NPORTS, &vmm_timed_acpi_ops,
		  0 /* the VM */, "acpi-pm" },
		{ true, LAPIC_DEFAULT_BASE, LAPIC_MMIO_BYTES, &vmm_timed_lapic_ops,
		  0 /* the VM */, "lapic" },
		{ true, IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_BYTES, &ioapic_bus_ops,
		  offsetof(struct vm, ioapic), "ioapic" },
	};
	int r = 0;

	io_bus_init(&vm->io, "io", true);
	io_bus_init(&vm->mmio, "mmio", false);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]) && r == 0; i++)
		r = io_bus_register(devices[i].mmio ? &vm->mmio : &vm->io,
				    devices[i].base, devices[i].len, devices[i].ops,
				    (char *)vm + devices[i].offset, devices[i].name);
	/* after the claims: the APIC's range follows IA32_APIC_BASE */
	vm_reset_devices(vm);
	return r;
}

void vm_note_slot(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		  uint64_t size)
{
	if (slot >= VMM_MAX_SLOTS)
		return;
	vm->slots[slot] = (struct vmm_slot){ .used = size != 0, .flags = flags,
					     .gpa = gpa, .size = size };
	if (size == 0)
		vm->slots[slot] = (struct vmm_slot){ 0 };
	vm_remap(vm);
}

void vm_remap(struct vm *vm)
{
	for (unsigned i = 0; i < VMM_MAX_SLOTS; i++) {
		struct vmm_slot *s = &vm->slots[i];
		s->mapped = false;
		if (s->used && range_inside(s->gpa, s->size, vm->ram_bytes))
			s->mapped = kvm_mmap(vm->vm_fd, s->gpa, s->size) ==
				    (void *)(vm->ram + s->gpa);
	}
	/* the prefix from 0 that mapped slots cover without a gap */
	uint64_t end = 0;
	for (bool grew = true; grew;) {
		grew = false;
		for (unsigned i = 0; i < VMM_MAX_SLOTS; i++) {
			const struct vmm_slot *s = &vm->slots[i];
			if (s->mapped && s->gpa <= end && s->gpa + s->size > end) {
				end = s->gpa + s->size;
				grew = true;
			}
		}
	}
	vm->ram_mapped = end;
}

bool vm_gpa_in_slot(const struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return true;
	}
	return false;
}

uint8_t *vm_ram_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *s = &vm->slots[i];
		if (s->mapped && gpa >= s->gpa && range_inside(gpa - s->gpa, len, s->size))
			return vm->ram + gpa;
	}
	return NULL;
}

struct vm *vm_create(const struct vmm_host *host, uint64_t ram_bytes)
{
	const char *step = NULL;
	struct vm *vm;
	int index, r;

	for (index = 0; index < VMM_MAX_VMS && vms[index]; index++)
		;
	if (index == VMM_MAX_VMS) {
		vmm_printf(host, "error: at most %d VMs\n", VMM_MAX_VMS);
		return NULL;
	}
	r = kvm_open(&step);
	if (r == -EPROTO) {
		vmm_printf(host, "error: the hypervisor speaks KVM API version %d, not %d\n",
			   kvm_api_version(), KVM_API_VERSION);
		return NULL;
	}
	if (r < 0) {
		vmm_print_request_error(host, step, -r);
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		vmm_printf(host, "error: out of memory for a VM\n");
		return NULL;
	}
	vm->index = index;
	vm->host = host;
	vm->vm_fd = vm->vcpu_fd = -1;
	vm->ram_bytes = ram_bytes;
	snprintf(vm->prefix, sizeof(vm->prefix), "[vm%d] ", index);

	r = kvm_create_vm();
	if (r < 0) {
		step = "KVM_CREATE_VM";
		goto fail;
	}
	vm->vm_fd = r;
	r = kvm_set_memory_region(vm->vm_fd, 0, 0, ram_bytes, 0);
	if (r < 0) {
		step = "KVM_SET_MEMORY_REGION";
		goto fail;
	}
	vm->ram = kvm_mmap(vm->vm_fd, 0, ram_bytes);
	if (vm->ram) {
		vm->slots[0] = (struct vmm_slot){ .used = true, .mapped = true,
						  .size = ram_bytes };
		vm->ram_mapped = ram_bytes;
	} else {
		step = "KVM_BAREKVM_MMAP";
		r = -kvm_last_error();
		goto fail;
	}
	r = kvm_create_vcpu(vm->vm_fd, 0);
	if (r < 0) {
		step = "KVM_CREATE_VCPU";
		goto fail;
	}
	vm->vcpu_fd = r;
	r = attach_devices(vm);
	if (r < 0) {
		vmm_printf(host, "error: cannot attach the devices (%d)\n", r);
		kvm_close(vm->vm_fd);
		free(vm);
		return NULL;
	}
	vms[index] = vm;
	return vm;

fail:
	vmm_print_request_error(host, step, -r);
	if (vm->vm_fd >= 0)
		kvm_close(vm->vm_fd);
	free(vm);
	return NULL;
}

int vm_destroy(struct vm *vm)
{
	int r;

	/* 2.6.21: a vCPU handle holds a reference on its VM; release it
	 * first. Closing the VM handle then destroys the VM. */
	if (vm->vcpu_fd >= 0)
		kvm_close(vm->vcpu_fd);
	r = kvm_close(vm->vm_fd);
	vms[vm->index] = NULL;
	free(vm);
	return r;
}
