/*
 * Host unit tests for the kvm.h client (guests/ctl/kvm_client.c,
 * kvm_names.c) over the fake hypervisor (tests/fake_kvm.c): mailbox
 * registration, struct copies in and out by direction, integer arguments,
 * the variable-length MSR requests and their mailbox bound, errors and
 * errno, the interrupt, dirty-log, debug and MSR conveniences, names.
 * `make test-ctl`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guests/ctl/kvm_client.h"
#include "guests/ctl/tests/fake_kvm.h"

static int setup(void **state)
{
	(void)state;
	fake_kvm_reset();
	return 0;
}

static void test_open(void **state)
{
	const char *step = NULL;

	(void)state;
	assert_int_equal(kvm_open(&step), 0);
	assert_non_null(fake.mailbox);
	assert_int_equal((uintptr_t)fake.mailbox % 4096, 0);
	assert_int_equal(kvm_api_version(), 4);
	assert_int_equal(fake.calls[0].request, KVM_GET_API_VERSION);
	assert_int_equal(fake.calls[0].handle, 0);

	fake.api_version = 3;
	assert_int_equal(kvm_open(&step), -EPROTO);
	assert_string_equal(step, "KVM_GET_API_VERSION");
	assert_int_equal(kvm_api_version(), 3);
	assert_int_equal(errno, EPROTO);
}

static void test_vm_lifecycle(void **state)
{
	uint8_t *ram;
	int vm, vcpu;

	(void)state;
	vm = kvm_create_vm();
	assert_int_equal(vm, 1);
	assert_int_equal(kvm_set_memory_region(vm, 0, 0, 1 << 20, 0), 0);
	assert_int_equal(fake.ram_bytes, 1 << 20);
	ram = kvm_mmap(vm, 0x1000, 0x2000);
	assert_ptr_equal(ram, fake.ram + 0x1000);
	vcpu = kvm_create_vcpu(vm, 0);
	assert_int_equal(vcpu, 2);
	/* the index goes by value in RDX */
	assert_int_equal(fake.calls[fake.ncalls - 1].request, KVM_CREATE_VCPU);
	assert_int_equal(fake.calls[fake.ncalls - 1].int_arg, 0);
	assert_int_equal(kvm_create_vcpu(vm, 1), -EINVAL);
	assert_int_equal(fake.calls[fake.ncalls - 1].int_arg, 1);
	assert_int_equal(kvm_close(vcpu), 0);
	assert_int_equal(kvm_close(vm), 0);
	assert_int_equal(kvm_close(9), -EBADF);
	assert_int_equal(fake.closes, 3);
	/* mmap of an uncovered range */
	assert_null(kvm_mmap(vm, 0, 2 << 20));
	assert_int_equal(kvm_last_error(), EFAULT);
	assert_int_equal(errno, EFAULT);
}

static void test_directions(void **state)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint64_t gpa;

	(void)state;
	/* _IOR: copied back */
	memset(&regs, 0xaa, sizeof(regs));
	assert_int_equal(kvm_get_regs(2, &regs), 0);
	assert_int_equal(regs.rip, 0xfff0);
	assert_int_equal(regs.rdx, 0x600);
	assert_int_equal(regs.rax, 0);
	/* _IOW: copied in, the caller's struct is not written */
	regs.rip = 0x100000;
	assert_int_equal(kvm_set_regs(2, &regs), 0);
	assert_int_equal(fake.regs.rip, 0x100000);
	assert_int_equal(kvm_get_sregs(2, &sregs), 0);
	assert_int_equal(sregs.cs.selector, 0xf000);
	sregs.cr0 = 0x11;
	assert_int_equal(kvm_set_sregs(2, &sregs), 0);
	assert_int_equal(fake.sregs.cr0, 0x11);
	/* _IOWR: translate, identity with paging off; invalid -> -EFAULT */
	assert_int_equal(kvm_translate(2, 0x1234, &gpa), 0);
	assert_int_equal(gpa, 0x1234);
	fake.unmapped_from = 0x1000;
	assert_int_equal(kvm_translate(2, 0x1234, &gpa), -EFAULT);
	/* NULL struct */
	assert_int_equal(kvm_ioctl(2, KVM_GET_REGS, NULL), -EFAULT);
}

static void test_errors(void **state)
{
	struct kvm_regs regs;

	(void)state;
	fake.fail_request = KVM_GET_REGS;
	fake.fail_errno = EINVAL;
	memset(&regs, 0x5a, sizeof(regs));
	assert_int_equal(kvm_get_regs(2, &regs), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(kvm_last_error(), EINVAL);
	/* nothing copied back on failure */
	assert_int_equal(regs.rip, 0x5a5a5a5a5a5a5a5aULL);
	/* Linux's ENOSYS (38) lands in errno as the C library's ENOSYS */
	fake.fail_request = KVM_CREATE_VM;
	fake.fail_errno = 38;
	assert_int_equal(kvm_create_vm(), -38);
	assert_int_equal(errno, ENOSYS);
	assert_int_equal(kvm_last_error(), 38);
	/* an unknown request: -EINVAL from the hypervisor */
	assert_int_equal(kvm_ioctl(0, 0xdead, NULL), -EINVAL);
	assert_int_equal(fake.calls[fake.ncalls - 1].int_arg, 0);
}

static long run_eintr(struct kvm_run *run, int call)
{
	(void)call;
	run->if_flag = 1;
	run->exit_reason = 77;          /* stale, but copied back */
	return -EINTR;
}

static long run_fails(struct kvm_run *run, int call)
{
	(void)call;
	run->exit_reason = 55;
	return -ENOMEM;
}

static void test_run_copy_back(void **state)
{
	struct kvm_run run;

	(void)state;
	memset(&run, 0, sizeof(run));
	run.emulated = 1;
	fake.run = run_eintr;
	assert_int_equal(kvm_run_vcpu(2, &run), -EINTR);
	assert_int_equal(fake.calls[fake.ncalls - 1].emulated, 1);
	assert_int_equal(run.if_flag, 1);       /* -EINTR copies back */
	assert_int_equal(run.exit_reason, 77);
	assert_int_equal(run.emulated, 0);
	fake.run = run_fails;
	assert_int_equal(kvm_run_vcpu(2, &run), -ENOMEM);
	assert_int_equal(run.exit_reason, 77);  /* other errors do not */
}

static void test_msrs(void **state)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + 256 * sizeof(struct kvm_msr_entry));
	int before;

	(void)state;
	/* 255 entries fill 8 + 255 * 16 = 4088 bytes: they fit */
	m->nmsrs = 255;
	for (unsigned i = 0; i < 255; i++)
		m->entries[i].index = i;
	assert_int_equal(kvm_ioctl(2, KVM_GET_MSRS, m), 255);
	assert_int_equal(m->entries[254].data, 254 * 2);
	/* 256 do not: -E2BIG before any hypercall */
	before = fake.ncalls;
	m->nmsrs = 256;
	assert_int_equal(kvm_ioctl(2, KVM_GET_MSRS, m), -E2BIG);
	assert_int_equal(kvm_ioctl(2, KVM_SET_MSRS, m), -E2BIG);
	assert_int_equal(fake.ncalls, before);
	free(m);
}

static void test_msr_index_list(void **state)
{
	struct {
		struct kvm_msr_list l;
		uint32_t idx[8];
	} list;

	(void)state;
	/* ask with 0: -E2BIG, but the count comes back */
	memset(&list, 0xee, sizeof(list));
	list.l.nmsrs = 0;
	assert_int_equal(kvm_ioctl(0, KVM_GET_MSR_INDEX_LIST, &list), -E2BIG);
	assert_int_equal(list.l.nmsrs, 3);
	assert_int_equal(list.idx[0], 0xeeeeeeee);
	/* a capacity of 5: 3 indices, nothing beyond them overwritten */
	list.l.nmsrs = 5;
	assert_int_equal(kvm_ioctl(0, KVM_GET_MSR_INDEX_LIST, &list), 0);
	assert_int_equal(list.l.nmsrs, 3);
	assert_int_equal(list.idx[0], 0x174);
	assert_int_equal(list.idx[2], 0x10);
	assert_int_equal(list.idx[3], 0xeeeeeeee);
	/* a capacity beyond the mailbox */
	list.l.nmsrs = 1024;
	assert_int_equal(kvm_ioctl(0, KVM_GET_MSR_INDEX_LIST, &list), -E2BIG);
}

/* The conveniences over KVM_GET_MSR_INDEX_LIST (asked for its size first),
 * KVM_GET_MSRS, KVM_INTERRUPT, KVM_GET_DIRTY_LOG and KVM_DEBUG_GUEST. */
static void test_helpers(void **state)
{
	struct kvm_msr_entry e[3] = { { .index = 0x174 }, { .index = 0x175 }, { .index = 0x10 } };
	struct kvm_debug_guest dbg = { .enabled = 1, .singlestep = 1 };
	uint64_t bitmap[4] = { 0 };
	uint32_t indices[2];

	(void)state;
	assert_int_equal(kvm_get_msr_index_list(indices, 2), 3);        /* cut to 2 */
	assert_int_equal(indices[0], 0x174);
	assert_int_equal(indices[1], 0x175);
	assert_int_equal(kvm_get_msrs(2, e, 3), 3);
	assert_int_equal(e[2].data, 0x20);
	assert_int_equal(kvm_get_msrs(2, e, KVM_CLIENT_MAX_MSRS + 1), -E2BIG);
	assert_int_equal(kvm_interrupt(2, 0x41), 0);
	assert_int_equal(kvm_interrupt(2, 256), -EINVAL);
	assert_int_equal(fake.ninterrupts, 1);
	assert_int_equal(fake.interrupts[0], 0x41);
	fake.dirty[1] = 0x5;
	assert_int_equal(kvm_get_dirty_log(1, 0, bitmap), 0);
	assert_true(bitmap[1] == 0x5 && bitmap[0] == 0);
	assert_int_equal(kvm_get_dirty_log(1, 1, bitmap), -ENOENT);
	assert_int_equal(kvm_debug_guest(2, &dbg), 0);
	assert_int_equal(fake.debug.singlestep, 1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kvm_request_name(KVM_RUN), "KVM_RUN");
	{
		unsigned long n = 0;

		assert_int_equal(kvm_request_number("KVM_RUN", &n), 0);
		assert_int_equal(n, KVM_RUN);
		assert_int_equal(kvm_request_number("KVM_GET_API_VERSION", &n), 0);
		assert_int_equal(n, KVM_GET_API_VERSION);
		assert_int_equal(kvm_request_number("KVM_NOPE", &n), -1);
		assert_int_equal(kvm_request_number("kvm_run", &n), -1);
	}
	assert_string_equal(kvm_request_name(KVM_CREATE_VCPU), "KVM_CREATE_VCPU");
	assert_string_equal(kvm_request_name(KVM_BAREKVM_MMAP), "KVM_BAREKVM_MMAP");
	assert_string_equal(kvm_request_name(0x1234), "request 0x1234");
	/* Linux numbers, whatever the C library says */
	assert_string_equal(kvm_errno_name(22), "EINVAL");
	assert_string_equal(kvm_errno_name(38), "ENOSYS");
	assert_string_equal(kvm_errno_name(9), "EBADF");
	assert_string_equal(kvm_errno_name(7), "E2BIG");
	assert_string_equal(kvm_errno_name(71), "EPROTO");
	assert_string_equal(kvm_errno_name(4), "EINTR");
	assert_string_equal(kvm_errno_name(12345), "E?");
	assert_string_equal(kvm_exit_reason_name(KVM_EXIT_IO), "KVM_EXIT_IO");
	assert_string_equal(kvm_exit_reason_name(KVM_EXIT_SHUTDOWN), "KVM_EXIT_SHUTDOWN");
	assert_string_equal(kvm_exit_reason_name(9), "KVM_EXIT_?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open, setup),
		cmocka_unit_test_setup(test_vm_lifecycle, setup),
		cmocka_unit_test_setup(test_directions, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_run_copy_back, setup),
		cmocka_unit_test_setup(test_msrs, setup),
		cmocka_unit_test_setup(test_msr_index_list, setup),
		cmocka_unit_test_setup(test_helpers, setup),
		cmocka_unit_test_setup(test_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
