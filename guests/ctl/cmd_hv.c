/*
 * Commands about the hypervisor itself rather than one VM: its free memory,
 * a create/destroy cycle that proves VMs give every frame back, and the cost
 * of an empty hypercall (docs/control-partition.md). Control partition only.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi/hypercall.h"
#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define MiB (1024ULL * 1024)
#define CYCLE_MAX 10000
#define HC_BENCH_ITERATIONS 1000

static long free_frames(void)
{
	return hypercall3(HC_FREE_FRAMES, 0, 0, 0);
}

static int cmd_frames(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("hypervisor: %ld free frames (%ld KiB)\n", free_frames(),
	       free_frames() * 4);
	return 0;
}

/* Each VM gets RAM, a vCPU and a window in the control partition, then is
 * destroyed; the free-frame count must come back exactly. */
static int vm_cycle(unsigned long n)
{
	long before = free_frames();

	for (unsigned long i = 0; i < n; i++) {
		struct vm *vm = vm_create(&vmm_ctl_host, 2 * MiB);
		if (!vm) {
			printf("error: vm cycle: creating VM %lu failed\n", i);
			return 1;
		}
		if (vm_destroy(vm) < 0) {
			printf("error: vm cycle: destroying VM %lu failed\n", i);
			return 1;
		}
	}
	long after = free_frames();
	printf("vm cycle: %lu VMs created and destroyed; free frames before %ld, "
	       "after %ld: %s\n", n, before, after,
	       before == after ? "all returned" : "LEAKED");
	return before == after ? 0 : 1;
}

static int cmd_cycle(int argc, char **argv)
{
	uint64_t n;

	(void)argc;
	if (vmm_parse_u64(argv[1], &n) < 0 || n == 0 || n > CYCLE_MAX) {
		printf("error: count '%s' is not 1-%d\n", argv[1], CYCLE_MAX);
		return 1;
	}
	return vm_cycle(n);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Under qemu -icount shift=0 the TSC counts executed instructions. */
static int cmd_hcbench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t t0 = rdtsc();
	for (int i = 0; i < HC_BENCH_ITERATIONS; i++)
		__asm__ volatile("" ::: "memory");
	uint64_t empty = rdtsc() - t0;
	t0 = rdtsc();
	for (int i = 0; i < HC_BENCH_ITERATIONS; i++)
		hypercall3(HC_NOP, 0, 0, 0);
	uint64_t t = rdtsc() - t0;
	printf("bench: empty hypercall from the control partition: %llu instructions\n",
	       (unsigned long long)((t > empty ? t - empty : 0) / HC_BENCH_ITERATIONS));
	return 0;
}

#define IDLE_MAX_MS 60000

/* HC_IDLE by hand: shows (and the system tests check) that the wait ends
 * at its deadline, or at once when a key is typed, and never hangs. */
static int cmd_idle(int argc, char **argv)
{
	uint64_t ms, hz = vmm_ctl_host.tsc_hz(), t0, deadline;
	long r;

	(void)argc;
	if (vmm_parse_u64(argv[1], &ms) < 0 || ms == 0 || ms > IDLE_MAX_MS) {
		printf("error: '%s' is not 1-%d milliseconds\n", argv[1], IDLE_MAX_MS);
		return 1;
	}
	if (!hz) {
		printf("error: idle: the hypervisor gives no TSC frequency\n");
		return 1;
	}
	t0 = rdtsc();
	deadline = t0 + vmm_scale(ms, hz, 1000);
	r = hypercall3(HC_IDLE, deadline, 0, 0);
	if (r < 0) {
		printf("idle: error %s (%ld): the CPU cannot halt here; waits poll\n",
		       kvm_errno_name((int)-r), r);
		return 1;
	}
	printf("idle: back after %llu ms: %s\n",
	       (unsigned long long)vmm_scale(rdtsc() - t0, 1000, hz),
	       rdtsc() >= deadline ? "deadline reached" :
	       uart_pending() ? "a key was typed" : "WOKEN EARLY WITH NO CAUSE");
	return 0;
}

static int cmd_hvstats(int argc, char **argv)
{
	bool reset = argc > 1 && !strcmp(argv[1], "reset");

	if (argc > 1 && !reset) {
		ctl_print_usage("hvstats");
		return 1;
	}
	hypercall3(HC_PATH_STATS, reset, 0, 0);
	return 0;
}

static void print_result(const char *what, int r)
{
	if (r < 0)
		printf("%s: error %s (%d)\n", what, kvm_errno_name(-r), r);
	else
		printf("%s: result %d\n", what, r);
}

/* A raw request with a zeroed struct in the mailbox (or ARG, for _IO
 * requests and KVM_CREATE_VCPU): lets a person (and the system tests)
 * check how the hypervisor rejects malformed requests. */
static int cmd_ioctl(int argc, char **argv)
{
	static uint8_t zero_struct[4096];
	uint64_t handle, request, arg = 0;
	unsigned long named;

	if (kvm_request_number(argv[2], &named) == 0)
		request = named;
	else if (vmm_parse_u64(argv[2], &request) < 0) {
		printf("error: '%s' is neither a kvm.h request name (KVM_RUN, "
		       "...) nor a number\n", argv[2]);
		return 1;
	}
	if (vmm_parse_u64(argv[1], &handle) < 0 ||
	    (argc > 3 && vmm_parse_u64(argv[3], &arg) < 0)) {
		printf("error: HANDLE and ARG are numbers\n");
		ctl_print_usage("ioctl");
		return 1;
	}
	/* KVM_CREATE_VCPU carries its index by value despite its _IOW size */
	bool by_value = request == KVM_CREATE_VCPU || !((request >> 16) & 0x3fff);
	memset(zero_struct, 0, sizeof(zero_struct));    /* a GET wrote it last time */
	int r = kvm_ioctl((int)handle, (unsigned long)request,
			  by_value ? (void *)(uintptr_t)arg : (void *)zero_struct);
	print_result(kvm_request_name((unsigned long)request), r);
	return r < 0;
}

/* KVM_SET_MEMORY_REGION on VM N's handle, with any values. */
static int cmd_slot(int argc, char **argv)
{
	struct vm *vm = ctl_vm_arg(argv[1]);
	uint64_t slot, gpa, size, flags = 0;

	if (!vm)
		return 1;
	if (vmm_parse_u64(argv[2], &slot) < 0 || vmm_parse_u64(argv[3], &gpa) < 0 ||
	    vmm_parse_u64(argv[4], &size) < 0 || (argc > 5 && vmm_parse_u64(argv[5], &flags) < 0)) {
		printf("error: slot N SLOT GPA SIZE [FLAGS]: numbers expected\n");
		return 1;
	}
	int r = kvm_set_memory_region(vm->vm_fd, (uint32_t)slot, gpa, size, (uint32_t)flags);
	print_result("KVM_SET_MEMORY_REGION", r);
	if (r >= 0)     /* `dirty` needs to know the slot */
		vm_note_slot(vm, (uint32_t)slot, (uint32_t)flags, gpa, size);
	else            /* a failed move deletes the slot: map what is left */
		vm_remap(vm);
	if (vm->ram_mapped < vm->ram_bytes)
		printf("vm %d: guest RAM mapped in the control partition now: 0x%llx of "
		       "0x%llx bytes; 'load' and 'mode' refuse the rest\n", vm->index,
		       (unsigned long long)vm->ram_mapped, (unsigned long long)vm->ram_bytes);
	return r < 0;
}

/* Reads and writes back one 8-byte word at a VM-window address, mapped or
 * not: shows (and the system tests check) that an access to a window page
 * with nothing behind it reads all ones and does not stop the machine. */
static int cmd_touch(int argc, char **argv)
{
	uint64_t addr;

	(void)argc;
	if (vmm_parse_u64(argv[1], &addr) < 0 || addr & 7 || addr < CTL_VM_WINDOW_BASE ||
	    addr - CTL_VM_WINDOW_BASE >= CTL_VM_WINDOWS * CTL_VM_WINDOW_BYTES) {
		printf("error: '%s' is not an 8-byte aligned VM-window address "
		       "(0x%llx-0x%llx)\n", argv[1], (unsigned long long)CTL_VM_WINDOW_BASE,
		       (unsigned long long)(CTL_VM_WINDOW_BASE +
					    CTL_VM_WINDOWS * CTL_VM_WINDOW_BYTES - 1));
		return 1;
	}
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;
	uint64_t v = *p;
	*p = v;
	printf("touch 0x%llx: read 0x%llx\n", (unsigned long long)addr,
	       (unsigned long long)v);
	return 0;
}

const struct cli_command ctl_hv_commands[] = {
	{ "touch", "touch ADDR",
	  "read and write back the word at VM-window address ADDR (mapped or not)",
	  1, 1, cmd_touch },
	{ "hvstats", "hvstats [reset]",
	  "the hypervisor's path lengths per exit kind (instructions under -icount)",
	  0, 1, cmd_hvstats },
	{ "ioctl", "ioctl HANDLE REQUEST [ARG]",
	  "send a raw kvm.h request, by name (KVM_GET_API_VERSION) or number, "
	  "with a zeroed struct, and show the result",
	  2, 3, cmd_ioctl },
	{ "slot", "slot N SLOT GPA SIZE [FLAGS]",
	  "KVM_SET_MEMORY_REGION on VM N with exactly these values",
	  4, 5, cmd_slot },
	{ "frames", "frames", "the hypervisor's free memory in 4 KiB frames",
	  0, 0, cmd_frames },
	{ "cycle", "cycle COUNT",
	  "create and destroy COUNT VMs; check every frame comes back",
	  1, 1, cmd_cycle },
	{ "idle", "idle MS",
	  "halt in the hypervisor (HC_IDLE) for MS milliseconds or until a key",
	  1, 1, cmd_idle },
	{ "hcbench", "hcbench",
	  "cost of an empty hypercall (exact under qemu -icount shift=0)",
	  0, 0, cmd_hcbench },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
