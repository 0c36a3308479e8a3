/*
 * `dirty N SLOT [on|off]`: dirty-page logging of one memory slot
 * (docs/control-partition.md). `on` and `off` toggle
 * KVM_MEM_LOG_DIRTY_PAGES with KVM_SET_MEMORY_REGION, same slot, address
 * and size (libkvm's method); without a word the command reads the log
 * with KVM_GET_DIRTY_LOG, which also clears it and re-arms the slot,
 * turning logging on first if it was off. Pages are numbered from the
 * slot's base (bit i = the page at base + i * 4 KiB); runs of consecutive
 * pages print as first-last. Control partition only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define PAGE_BYTES 4096ULL

static int set_logging(struct vm *vm, uint32_t slot, bool on)
{
	struct vmm_slot *s = &vm->slots[slot];
	uint32_t flags = on ? s->flags | KVM_MEM_LOG_DIRTY_PAGES :
			      s->flags & ~(uint32_t)KVM_MEM_LOG_DIRTY_PAGES;
	int r = kvm_set_memory_region(vm->vm_fd, slot, s->gpa, s->size, flags);

	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_SET_MEMORY_REGION", -r);
		vm_remap(vm);
		return -1;
	}
	vm_note_slot(vm, slot, flags, s->gpa, s->size);
	printf("vm %d: slot %u: dirty logging %s\n", vm->index, slot, on ? "on" : "off");
	return 0;
}

static bool bit_set(const uint64_t *bitmap, uint64_t i)
{
	return bitmap[i / 64] >> (i % 64) & 1;
}

static void print_log(struct vm *vm, uint32_t slot, const uint64_t *bitmap,
		      uint64_t npages)
{
	uint64_t count = 0;

	for (uint64_t i = 0; i < npages; i++)
		count += bit_set(bitmap, i);
	printf("vm %d: slot %u: %llu dirty page%s%s", vm->index, slot,
	       (unsigned long long)count, count == 1 ? "" : "s", count ? ":" : "");
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t last = i;

		if (!bit_set(bitmap, i))
			continue;
		while (last + 1 < npages && bit_set(bitmap, last + 1))
			last++;
		if (last == i)
			printf(" 0x%llx", (unsigned long long)i);
		else
			printf(" 0x%llx-0x%llx", (unsigned long long)i, (unsigned long long)last);
		i = last;
	}
	printf("\n");
}

static int get_log(struct vm *vm, uint32_t slot)
{
	uint64_t npages = vm->slots[slot].size / PAGE_BYTES;
	uint64_t *bitmap;
	int r;

	if (!(vm->slots[slot].flags & KVM_MEM_LOG_DIRTY_PAGES) && set_logging(vm, slot, true) < 0)
		return 1;
	bitmap = calloc((npages + 63) / 64, sizeof(uint64_t));
	if (!bitmap) {
		printf("error: out of memory for a %llu-page bitmap\n", (unsigned long long)npages);
		return 1;
	}
	r = kvm_get_dirty_log(vm->vm_fd, slot, bitmap);
	if (r < 0) {
		vmm_print_request_error(&vmm_ctl_host, "KVM_GET_DIRTY_LOG", -r);
		free(bitmap);
		return 1;
	}
	print_log(vm, slot, bitmap, npages);
	free(bitmap);
	return 0;
}

static int cmd_dirty(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	uint64_t slot;

	if (!vm)
		return 1;
	if (vmm_parse_u64(argv[2], &slot) < 0 || slot >= VMM_MAX_SLOTS ||
	    !vm->slots[slot].used) {
		printf("error: vm %d has no slot '%s'\n", vm->index, argv[2]);
		return 1;
	}
	if (argc == 3)
		return get_log(vm, (uint32_t)slot);
	if (strcmp(argv[3], "on") == 0 || strcmp(argv[3], "off") == 0)
		return set_logging(vm, (uint32_t)slot, argv[3][1] == 'n') < 0;
	ctl_print_usage("dirty");
	return 1;
}

const struct cli_command ctl_dirty_commands[] = {
	{ "dirty", "dirty N SLOT [on|off]",
	  "dirty logging of a slot: turn it on/off, or read and clear the log",
	  2, 3, cmd_dirty },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
