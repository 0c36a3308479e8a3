/*
 * VM objects of the control partition's VMM (vmm.h): the table behind the
 * CLI's VM numbers, creation the way libkvm's kvm_create did it (one RAM
 * slot at guest-physical 0, mapped into the partition, one vCPU) and the
 * devices every VM gets. Control partition and host tests (against the fake
 * hypervisor of tests/fake_kvm.c).
 */
#include <errno.h>
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

/* Complete lines of the guest's UART output go to the console, prefixed. */
static void uart_to_console(void *ctx, const char *line, size_t len)
{
	struct vm *vm = ctx;

	vm->host->write(vm->prefix, strlen(vm->prefix));
	vm->host->write(line, len);
	vm->host->write("\n", 1);
}

static int attach_devices(struct vm *vm)
{
	int r;

	io_bus_init(&vm->io, "io", true);
	io_bus_init(&vm->mmio, "mmio", false);
	uart16550_init(&vm->uart, uart_to_console, vm);
	debugexit_init(&vm->debugexit, &vm->stop);
	port80_init(&vm->port80);
	r = io_bus_register(&vm->io, UART_COM1_BASE, UART_NPORTS,
			    &uart16550_bus_ops, &vm->uart, "uart16550");
	if (r == 0)
		r = io_bus_register(&vm->io, DEBUGEXIT_PORT, DEBUGEXIT_NPORTS,
				    &debugexit_bus_ops, &vm->debugexit, "debug-exit");
	if (r == 0)
		r = io_bus_register(&vm->io, PORT80_PORT, 1, &port80_bus_ops,
				    &vm->port80, "port80");
	return r;
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
	if (!vm->ram) {
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
